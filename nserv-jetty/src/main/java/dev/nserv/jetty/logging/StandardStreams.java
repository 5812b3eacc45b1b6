package dev.nserv.jetty.logging;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's stdout and stderr as whole-line streams ({@link WholeLineOutputStream} over fds 1 and 2, each
 * optionally copied to a log file opened with {@code O_APPEND}), so that every log event reaches each destination
 * in one {@code write(2)}. Writing to the fds rather than to the JDK's {@code System.out} follows a successor's
 * {@code dup2} of the old generation's stdout and stderr onto its fds 1 and 2 after a restart commits.
 * <p>
 * {@link #install(Path)} runs once, before any logger exists; {@link #out()} and {@link #err()} are the
 * destinations (the successor output pumps and the JSON appender write there, bypassing whatever
 * {@code System.out} has become).
 *
 * <pre>{@code
 * StandardStreams.install(logFile);   // null: no log file
 * StandardStreams.out().println("nserv: ready");
 * }</pre>
 */
public final class StandardStreams
{
    private static volatile PrintStream out;
    private static volatile PrintStream err;

    private StandardStreams()
    {
    }

    /**
     * Replaces {@code System.out} and {@code System.err} with whole-line streams; a second call does nothing.
     * @param logFile also append everything to this file (created if absent), or null
     * @throws IOException if the log file cannot be opened for appending
     */
    public static synchronized void install(Path logFile) throws IOException
    {
        if (out != null)
            return;
        OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        OutputStream stderr = new FileOutputStream(FileDescriptor.err);
        if (logFile != null)
        {
            FileOutputStream file = openAppending(logFile);
            stdout = new Tee(stdout, file);
            stderr = new Tee(stderr, file);
        }
        Charset charset = consoleCharset();
        out = new LinePrintStream(new WholeLineOutputStream(stdout), charset);
        err = new LinePrintStream(new WholeLineOutputStream(stderr), charset);
        System.setOut(out);
        System.setErr(err);
    }

    /**
     * @return stdout (and the log file) as whole lines, or {@code System.out} before {@link #install}
     */
    public static PrintStream out()
    {
        PrintStream stream = out;
        return stream != null ? stream : System.out;
    }

    /**
     * @return stderr (and the log file) as whole lines, or {@code System.err} before {@link #install}
     */
    public static PrintStream err()
    {
        PrintStream stream = err;
        return stream != null ? stream : System.err;
    }

    /**
     * Checks that a log file can be appended to, without creating it.
     * @param option the flag or property named in the error, e.g. {@code --log-file}
     * @param file the file
     * @throws IllegalArgumentException naming the option, the file and the fix
     */
    public static void checkWritable(String option, Path file)
    {
        Path absolute = file.toAbsolutePath();
        Path parent = absolute.getParent();
        if (Files.isDirectory(absolute))
            throw new IllegalArgumentException(option + " " + file + " is a directory (give a file to append to)");
        if (Files.exists(absolute))
        {
            if (!Files.isWritable(absolute))
                throw new IllegalArgumentException(option + " " + file + " is not writable (fix its permissions or give another file)");
            return;
        }
        if (parent == null || !Files.isDirectory(parent))
            throw new IllegalArgumentException(option + " " + file + ": directory " + parent + " does not exist (create it or give another file)");
        if (!Files.isWritable(parent))
            throw new IllegalArgumentException(option + " " + file + ": directory " + parent + " is not writable (fix its permissions or give another file)");
    }

    private static FileOutputStream openAppending(Path file) throws IOException
    {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent))
            throw new IOException("directory " + parent + " of --log-file does not exist");
        return new FileOutputStream(file.toFile(), true);
    }

    /** The charset the JDK gives stdout ({@code stdout.encoding} on Java 19+), else the default charset. */
    private static Charset consoleCharset()
    {
        for (String property : new String[]{"stdout.encoding", "sun.stdout.encoding"})
        {
            String name = System.getProperty(property);
            if (name != null && Charset.isSupported(name))
                return Charset.forName(name);
        }
        return Charset.defaultCharset();
    }

    /** Writes to both streams; a failing console (e.g. a closed pipe) never stops the file copy. */
    private static final class Tee extends OutputStream
    {
        private final OutputStream console;
        private final OutputStream file;

        Tee(OutputStream console, OutputStream file)
        {
            this.console = console;
            this.file = file;
        }

        @Override
        public void write(int b) throws IOException
        {
            write(new byte[]{(byte)b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException
        {
            synchronized (file)
            {
                file.write(bytes, offset, length);
            }
            try
            {
                console.write(bytes, offset, length);
            }
            catch (IOException ignored)
            {
                // the console may be gone; the file keeps the line
            }
        }
    }
}
