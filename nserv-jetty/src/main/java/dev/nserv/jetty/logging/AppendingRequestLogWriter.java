package dev.nserv.jetty.logging;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.AbstractLifeCycle;

/**
 * An access log writer for Jetty's {@code CustomRequestLog} that appends each line with a single {@code write(2)}
 * to a file opened with {@code O_APPEND}, so that the two generations of a restart, both appending to the same
 * file while the old one drains, never interleave parts of lines. Jetty's {@code RequestLogWriter} passes a line
 * through an 8 KiB writer buffer, so a longer line (a long URI and User-Agent) reaches the file in several writes
 * (FACTS.md); it also rolls files over by date, which this writer leaves to logrotate ({@code copytruncate} is not
 * needed: the file is reopened at each start, and {@code O_APPEND} writes follow a truncation).
 *
 * <pre>{@code
 * server.setRequestLog(new CustomRequestLog(new AppendingRequestLogWriter("/var/log/nserv/access.log"),
 *     CustomRequestLog.EXTENDED_NCSA_FORMAT));
 * }</pre>
 */
@ManagedObject("Appends access log lines to a file, one write per line")
public class AppendingRequestLogWriter extends AbstractLifeCycle implements RequestLog.Writer
{
    private final Path file;
    private volatile FileChannel channel;

    /**
     * @param filename the file, created at start if absent; its directory must exist
     */
    public AppendingRequestLogWriter(@Name("filename") String filename)
    {
        if (filename == null || filename.isBlank())
            throw new IllegalArgumentException("access log file name is empty: give a file to append to");
        this.file = Path.of(filename.trim());
    }

    /**
     * @return the file appended to
     */
    @ManagedAttribute("file appended to")
    public String getFilename()
    {
        return file.toString();
    }

    @Override
    protected void doStart() throws Exception
    {
        StandardStreams.checkWritable("access log", file);
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        catch (IOException x)
        {
            throw new IOException("access log " + file + " cannot be opened for appending: " + x.getMessage() + " (give a writable file)", x);
        }
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception
    {
        FileChannel open = channel;
        channel = null;
        if (open != null)
            open.close();
        super.doStop();
    }

    @Override
    public void write(String requestEntry) throws IOException
    {
        FileChannel open = channel;
        if (open == null)
            throw new IOException("access log " + file + " is not open");
        ByteBuffer line = StandardCharsets.UTF_8.encode(requestEntry + "\n");
        // one write(2) of the whole line; a regular file takes it whole, the loop is only for the contract
        while (line.hasRemaining())
            open.write(line);
    }

    @Override
    public String toString()
    {
        return String.format("%s@%x{%s}", getClass().getSimpleName(), hashCode(), file);
    }
}
