package dev.nserv.jetty.launcher;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Copies everything the process writes to stdout and stderr into a log file as well (appending), so that the last
 * lines of a generation survive even when its standard streams are gone -- closing an inherited channel makes the
 * JDK put /dev/null on fds 0-2. Installed before any logger exists, so that jetty-slf4j-impl picks the tee up.
 */
final class LogTee
{
    private LogTee()
    {
    }

    /**
     * @param file the log file, created if absent
     * @throws IOException if the file cannot be opened for appending
     */
    static void install(Path file) throws IOException
    {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent))
            throw new IOException("directory " + parent + " of --log-file does not exist");
        FileOutputStream out = new FileOutputStream(file.toFile(), true);
        Charset charset = Charset.defaultCharset();
        System.setOut(new PrintStream(new Tee(System.out, out), true, charset));
        System.setErr(new PrintStream(new Tee(System.err, out), true, charset));
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

        @Override
        public void flush() throws IOException
        {
            synchronized (file)
            {
                file.flush();
            }
            try
            {
                console.flush();
            }
            catch (IOException ignored)
            {
                // as above
            }
        }
    }
}
