package dev.nserv.jetty.logging;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each line written to it into a log event, so that with JSON logs whatever a webapp or the launcher prints
 * on {@code System.out} or {@code System.err} still arrives as a JSON line (logger {@code stdout}, level INFO, or
 * {@code stderr}, level WARN) and the output stays valid JSON line by line. A line the logging backend itself
 * prints while logging (on the same thread) goes to the fallback stream instead of looping.
 */
public final class LineLoggingOutputStream extends ByteArrayOutputStream
{
    private static final ThreadLocal<Boolean> LOGGING = new ThreadLocal<>();

    private final String loggerName;
    private final boolean warn;
    private final Charset charset;
    private final OutputStream fallback;
    private volatile Logger logger;

    /**
     * @param loggerName the events' logger, e.g. {@code stdout}
     * @param warn true for WARN events, false for INFO
     * @param charset how the bytes written are decoded
     * @param fallback where a line goes that is written while this thread is already logging one
     */
    public LineLoggingOutputStream(String loggerName, boolean warn, Charset charset, OutputStream fallback)
    {
        this.loggerName = loggerName;
        this.warn = warn;
        this.charset = charset;
        this.fallback = fallback;
    }

    /**
     * @param loggerName the events' logger
     * @param warn true for WARN events
     * @param charset how text is encoded
     * @param fallback see {@link #LineLoggingOutputStream(String, boolean, Charset, OutputStream)}
     * @return a print stream whose lines become log events
     */
    public static PrintStream printStream(String loggerName, boolean warn, Charset charset, OutputStream fallback)
    {
        return new LinePrintStream(new LineLoggingOutputStream(loggerName, warn, charset, fallback), charset);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length)
    {
        if (LOGGING.get() != null)
        {
            try
            {
                fallback.write(bytes, offset, length);
            }
            catch (java.io.IOException ignored)
            {
                // nowhere left to report it
            }
            return;
        }
        for (int i = offset; i < offset + length; i++)
        {
            if (bytes[i] == '\n')
                emit();
            else
                super.write(bytes[i]);
        }
    }

    @Override
    public synchronized void write(int b)
    {
        write(new byte[]{(byte)b}, 0, 1);
    }

    private void emit()
    {
        int end = count;
        if (end > 0 && buf[end - 1] == '\r')
            end--;
        String line = new String(buf, 0, end, charset);
        reset();
        Logger log = logger;
        if (log == null)
            logger = log = LoggerFactory.getLogger(loggerName);
        LOGGING.set(Boolean.TRUE);
        try
        {
            if (warn)
                log.warn("{}", line);
            else
                log.info("{}", line);
        }
        finally
        {
            LOGGING.remove();
        }
    }
}
