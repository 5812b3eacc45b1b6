package dev.nserv.jetty.logging;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * A {@code PrintStream} whose {@code println} hands the text and its line separator to the stream below in a
 * single {@code write}. The JDK's own splits a long line into 8 KiB chunks, and a subclass's {@code println(Object)}
 * writes the text and the newline separately; Jetty's log appender prints each event, stack trace included, with
 * one {@code println}, so over a {@link WholeLineOutputStream} every event becomes one {@code write(2)}.
 */
public final class LinePrintStream extends PrintStream
{
    private static final String EOL = System.lineSeparator();

    private final Charset charset;

    /**
     * @param out where the bytes go, flushed after every write
     * @param charset how text is encoded
     */
    public LinePrintStream(OutputStream out, Charset charset)
    {
        super(out, true, charset);
        this.charset = charset;
    }

    @Override
    public void println(String text)
    {
        byte[] bytes = (text + EOL).getBytes(charset);
        write(bytes, 0, bytes.length);
    }

    @Override
    public void println(Object value)
    {
        println(String.valueOf(value));
    }

    @Override
    public void println(char[] chars)
    {
        println(new String(chars));
    }

    @Override
    public void println()
    {
        println("");
    }
}
