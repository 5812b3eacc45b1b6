package dev.nserv.jetty.handoff;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The last lines a successor wrote to stdout and stderr, kept so that a failed restart can show them in the log
 * and in the error that the trigger (JMX, ctl, SIGHUP) reports.
 */
final class OutputTail
{
    private static final int MAX_LINE_CHARS = 400;

    private final int maxLines;
    private final Deque<String> lines = new ArrayDeque<>();
    private final ByteArrayOutputStream[] partial = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};

    /**
     * @param maxLines how many lines to keep, at least 1
     */
    OutputTail(int maxLines)
    {
        if (maxLines < 1)
            throw new IllegalArgumentException("maxLines must be at least 1, was " + maxLines);
        this.maxLines = maxLines;
    }

    /**
     * Adds output of one stream.
     * @param stream 0 for stdout, 1 for stderr (lines of the two streams are kept apart until complete)
     * @param bytes the bytes
     * @param offset where they start
     * @param length how many
     */
    synchronized void add(int stream, byte[] bytes, int offset, int length)
    {
        ByteArrayOutputStream line = partial[stream];
        for (int i = offset; i < offset + length; i++)
        {
            if (bytes[i] == '\n')
                complete(stream);
            else if (line.size() < MAX_LINE_CHARS * 4)
                line.write(bytes[i]);
        }
    }

    private void complete(int stream)
    {
        String text = new String(partial[stream].toByteArray(), StandardCharsets.UTF_8);
        partial[stream].reset();
        if (text.endsWith("\r"))
            text = text.substring(0, text.length() - 1);
        if (text.length() > MAX_LINE_CHARS)
            text = text.substring(0, MAX_LINE_CHARS) + "...";
        lines.addLast(text);
        while (lines.size() > maxLines)
            lines.removeFirst();
    }

    /**
     * @return the kept lines, oldest first, with any unfinished line last
     */
    synchronized List<String> lines()
    {
        for (int s = 0; s < partial.length; s++)
        {
            if (partial[s].size() > 0)
                complete(s);
        }
        return new ArrayList<>(lines);
    }
}
