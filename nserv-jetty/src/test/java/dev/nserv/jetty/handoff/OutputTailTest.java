package dev.nserv.jetty.handoff;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OutputTailTest
{
    private static void add(OutputTail tail, int stream, String text)
    {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        tail.add(stream, bytes, 0, bytes.length);
    }

    @Test
    void keepsTheLastLinesOfBothStreamsWithoutMixingPartialLines()
    {
        OutputTail tail = new OutputTail(3);
        add(tail, 0, "one\ntw");
        add(tail, 1, "err\r\n");
        add(tail, 0, "o\nthree\nfour");
        assertThat(tail.lines()).containsExactly("two", "three", "four");
        add(tail, 1, "x".repeat(1000) + "\n");
        assertThat(tail.lines().get(2)).hasSize(403).endsWith("...");
    }
}
