package dev.nserv.jetty.logging;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Sets up the bundled server's logging once, before the first logger exists: standard streams that write whole
 * lines ({@link StandardStreams}, with the {@code --log-file} copy), then the backend SLF4J is told to use.
 * <ul>
 * <li>{@link LogFormat#TEXT}: jetty-slf4j-impl, the one provider nserv.jar lists for SLF4J's service lookup (Log4j's
 * service file is left out of the jar), its lines on stderr as before.</li>
 * <li>{@link LogFormat#JSON}: Log4j with the layout of {@link JsonLogs}, on stdout; {@code System.out} and
 * {@code System.err} then turn each line printed into an event, so stdout carries nothing but JSON lines.</li>
 * </ul>
 *
 * <pre>{@code
 * Logs.start(LogFormat.JSON, logFile, ProcessHandle.current().pid(), Generation.inherited());
 * }</pre>
 */
public final class Logs
{
    private static LogFormat started;

    private Logs()
    {
    }

    /**
     * @param format text or JSON
     * @param logFile also append everything to this file, or null
     * @param pid this process's id (a JSON field)
     * @param generation this process's nserv generation (a JSON field)
     * @throws IOException if the log file cannot be opened
     * @throws IllegalStateException if called again with another format
     */
    public static synchronized void start(LogFormat format, Path logFile, long pid, int generation) throws IOException
    {
        if (started != null)
        {
            if (started != format)
                throw new IllegalStateException("logging already started as " + started + ", cannot switch to " + format);
            return;
        }
        StandardStreams.install(logFile);
        if (format == LogFormat.JSON)
        {
            JsonLogs.install(StandardStreams.out(), pid, generation);
            Charset charset = StandardCharsets.UTF_8;
            System.setOut(LineLoggingOutputStream.printStream("stdout", false, charset, StandardStreams.out()));
            System.setErr(LineLoggingOutputStream.printStream("stderr", true, charset, StandardStreams.err()));
        }
        started = format;
    }

    /**
     * @return the format logging started with, or null before {@link #start}
     */
    public static synchronized LogFormat format()
    {
        return started;
    }
}
