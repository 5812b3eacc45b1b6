package dev.nserv.jetty.logging;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WholeLineOutputStreamTest
{
    /** Records each write call the way write(2) would see it. */
    static final class Writes extends OutputStream
    {
        final List<String> calls = new ArrayList<>();

        @Override
        public void write(int b)
        {
            calls.add(String.valueOf((char)b));
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length)
        {
            calls.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
        }
    }

    @Test
    void passesOnlyWholeLinesEachBatchInOneWrite() throws Exception
    {
        Writes target = new Writes();
        WholeLineOutputStream lines = new WholeLineOutputStream(target);
        lines.write("par".getBytes(StandardCharsets.UTF_8));
        lines.flush();
        assertThat(target.calls).isEmpty();
        lines.write("tial\nnext line\nand a ".getBytes(StandardCharsets.UTF_8));
        lines.write("tail\n".getBytes(StandardCharsets.UTF_8));
        lines.write("unfinished".getBytes(StandardCharsets.UTF_8));
        lines.endLine();
        assertThat(target.calls).containsExactly("partial\nnext line\n", "and a tail\n", "unfinished\n");
    }

    @Test
    void aPrintlnOfAnyLengthIsOneWriteEvenFromManyThreads() throws Exception
    {
        Writes target = new Writes();
        LinePrintStream out = new LinePrintStream(new WholeLineOutputStream(target), StandardCharsets.UTF_8);
        String stack = ("a long event with a stack trace\n\tat x.y.Z.method(Z.java:1)").repeat(500);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++)
        {
            int id = t;
            threads.add(new Thread(() ->
            {
                for (int i = 0; i < 50; i++)
                {
                    out.println("thread " + id + " event " + i + " " + stack);
                    out.println((Object)("object " + id + " " + i));
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads)
            thread.join(30_000);
        assertThat(target.calls).hasSize(4 * 50 * 2);
        for (String call : target.calls)
        {
            assertThat(call).endsWith("\n").matches("(?s)(thread \\d+ event \\d+ .*|object \\d+ \\d+\n)");
            if (call.startsWith("thread"))
                assertThat(call).hasSize(call.indexOf(' ', 15) + 1 + stack.length() + 1);
        }
    }

    @Test
    void aLineLongerThanTheLimitGoesOutInPieces() throws Exception
    {
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        WholeLineOutputStream lines = new WholeLineOutputStream(target);
        byte[] huge = new byte[WholeLineOutputStream.MAX_PENDING + 1];
        java.util.Arrays.fill(huge, (byte)'x');
        lines.write(huge);
        assertThat(target.size()).isEqualTo(huge.length);
    }
}
