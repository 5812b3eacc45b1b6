package dev.nserv.jetty.supervise;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.BlockingQueue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's Unix socket (mode 0600, in the private control directory, so only the same user reaches it)
 * on which generations send {@link SupervisorMessage}s, one short connection each. A thread of its own accepts,
 * reads one line (bounded) and puts the message into the supervisor's queue.
 */
final class Inbox implements Closeable
{
    private static final Logger LOG = LoggerFactory.getLogger(Inbox.class);
    private static final int MAX_LINE = 256;

    private final Path path;
    private final ServerSocketChannel server;
    private final Thread thread;

    Inbox(Path path, BlockingQueue<Object> queue) throws IOException
    {
        this.path = path.toAbsolutePath();
        Files.deleteIfExists(this.path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try
        {
            server.bind(UnixDomainSocketAddress.of(this.path));
            Files.setPosixFilePermissions(this.path, PosixFilePermissions.fromString("rw-------"));
        }
        catch (IOException x)
        {
            server.close();
            throw new IOException("cannot create the supervisor socket " + this.path + ": " + x.getMessage(), x);
        }
        thread = new Thread(() -> run(queue), "nserv-supervisor-inbox");
        thread.setDaemon(true);
        thread.start();
    }

    Path path()
    {
        return path;
    }

    private void run(BlockingQueue<Object> queue)
    {
        while (server.isOpen())
        {
            try (SocketChannel channel = server.accept())
            {
                String line = readLine(channel);
                try
                {
                    queue.add(SupervisorMessage.parse(line));
                }
                catch (IllegalArgumentException x)
                {
                    LOG.warn("supervisor: ignored a message: {}", x.getMessage());
                }
            }
            catch (IOException x)
            {
                if (server.isOpen())
                    LOG.debug("supervisor socket", x);
            }
        }
    }

    private static String readLine(SocketChannel channel) throws IOException
    {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_LINE);
        while (buffer.hasRemaining() && channel.read(buffer) >= 0)
        {
            if (buffer.position() > 0 && buffer.get(buffer.position() - 1) == '\n')
                break;
        }
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    @Override
    public void close()
    {
        try
        {
            server.close();
            Files.deleteIfExists(path);
        }
        catch (IOException x)
        {
            LOG.debug("closing the supervisor socket", x);
        }
    }
}
