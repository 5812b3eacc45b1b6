package dev.nserv.jetty.ctl;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of {@code ctl}: a Unix domain socket (file mode 0600) that takes one command line per
 * connection and answers with lines, the last one {@code OK ...} or {@code ERR ...}.
 * <p>
 * A generation binds a temporary name first and then renames it over the public path ({@link #publish()}), so a
 * successor takes the path over atomically when it becomes ready, and {@code ctl} never finds no socket. On
 * close, the file is removed only if it is still this generation's own (same inode): never a successor's.
 * Bad input gets an {@code ERR} line and never disturbs the server; at most a few connections are served at
 * once and each must send its line within 10 s.
 *
 * <pre>{@code
 * ControlServer control = new ControlServer(path, command -> List.of("OK pong"));
 * control.bindTemporary();
 * control.publish();
 * ...
 * control.close();
 * }</pre>
 */
public final class ControlServer implements Closeable
{
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final int MAX_LINE = 1024;
    private static final int MAX_CONCURRENT = 4;
    private static final long READ_TIMEOUT_MS = 10_000;
    private static final long CLOSE_WAIT_MS = 5_000;

    /** Answers one command line. */
    public interface Handler
    {
        /**
         * @param command the command line, e.g. {@code "limit 500"}
         * @return the answer lines; the last starts with {@code OK} or {@code ERR}
         */
        List<String> handle(String command);
    }

    private final Path path;
    private final Path temporary;
    private final Handler handler;
    private final Semaphore slots = new Semaphore(MAX_CONCURRENT);
    private ServerSocketChannel server;
    private List<Object> ownIdentity;
    private volatile boolean closed;

    /**
     * @param path the public socket path
     * @param handler answers commands
     */
    public ControlServer(Path path, Handler handler)
    {
        this.path = path.toAbsolutePath();
        this.temporary = this.path.resolveSibling("." + this.path.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        this.handler = Objects.requireNonNull(handler);
    }

    /**
     * @return the public socket path
     */
    public Path path()
    {
        return path;
    }

    /**
     * Binds the socket under a temporary name in the same directory, mode 0600; nothing answers yet.
     * @throws IOException when the directory is missing or the path is too long
     */
    public void bindTemporary() throws IOException
    {
        ControlPaths.checkLength(temporary);
        Path directory = path.getParent();
        if (directory == null || !Files.isDirectory(directory))
            throw new IOException("directory of the control socket " + path + " does not exist");
        Files.deleteIfExists(temporary);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try
        {
            server.bind(UnixDomainSocketAddress.of(temporary), 16);
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            ownIdentity = identity(temporary);
        }
        catch (IOException x)
        {
            server.close();
            Files.deleteIfExists(temporary);
            throw new IOException("cannot bind the control socket " + temporary + ": " + x.getMessage(), x);
        }
    }

    /**
     * Renames the socket over the public path (replacing a previous generation's) and starts answering.
     * @throws IOException when the rename fails
     */
    public void publish() throws IOException
    {
        Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Thread acceptor = new Thread(this::acceptLoop, "nserv-ctl-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.info("control socket {} (java -jar nserv.jar ctl --socket {} status)", path, path);
    }

    private void acceptLoop()
    {
        while (!closed)
        {
            SocketChannel client;
            try
            {
                client = server.accept();
            }
            catch (IOException x)
            {
                if (!closed)
                    LOG.warn("control socket {}: accept failed, no longer answering: {}", path, x.toString());
                return;
            }
            if (!slots.tryAcquire())
            {
                answer(client, List.of("ERR busy: " + MAX_CONCURRENT + " control connections are open; try again"));
                closeQuietly(client);
                continue;
            }
            Thread worker = new Thread(() ->
            {
                try
                {
                    serve(client);
                }
                finally
                {
                    closeQuietly(client);
                    slots.release();
                }
            }, "nserv-ctl");
            worker.setDaemon(true);
            worker.start();
        }
    }

    private void serve(SocketChannel client)
    {
        if (!samePeerUser(client))
        {
            answer(client, List.of("ERR permission denied: the control socket serves only its owner"));
            return;
        }
        CompletableFuture<Void> timeout = CompletableFuture.runAsync(() -> closeQuietly(client),
            CompletableFuture.delayedExecutor(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS));
        String line;
        try
        {
            line = readLine(client);
        }
        catch (IOException x)
        {
            answer(client, List.of("ERR " + x.getMessage()));
            return;
        }
        finally
        {
            timeout.cancel(false);
        }
        if (line == null)
            return;
        List<String> reply;
        try
        {
            reply = handler.handle(line.trim());
        }
        catch (RuntimeException x)
        {
            LOG.warn("control command '{}' failed", line, x);
            reply = List.of("ERR " + x);
        }
        answer(client, reply);
    }

    private static boolean samePeerUser(SocketChannel client)
    {
        try
        {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return peer.user().getName().equals(System.getProperty("user.name"));
        }
        catch (IOException | UnsupportedOperationException x)
        {
            // the socket file's 0600 mode already limits who can connect
            return true;
        }
    }

    private static String readLine(SocketChannel client) throws IOException
    {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true)
        {
            one.clear();
            if (client.read(one) < 0)
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            byte b = one.get(0);
            if (b == '\n')
                return line.toString(StandardCharsets.UTF_8);
            if (line.size() >= MAX_LINE)
                throw new IOException("command longer than " + MAX_LINE + " bytes");
            line.write(b);
        }
    }

    private static void answer(SocketChannel client, List<String> lines)
    {
        StringBuilder text = new StringBuilder();
        for (String line : lines)
            text.append(line.replace('\n', ' ')).append('\n');
        ByteBuffer buffer = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        try
        {
            while (buffer.hasRemaining())
                client.write(buffer);
            client.shutdownOutput();
            // Closing with unread input would reset the connection, and the client could lose the answer.
            client.configureBlocking(false);
            ByteBuffer discard = ByteBuffer.allocate(4096);
            for (int i = 0; i < 16 && client.read(discard) > 0; i++)
                discard.clear();
        }
        catch (IOException x)
        {
            LOG.debug("control client went away before the answer", x);
        }
    }

    private static void closeQuietly(Closeable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (IOException ignored)
        {
            // nothing left to release
        }
    }

    /**
     * What tells this server's socket file from another's: the inode alone is not enough, because a file system
     * reuses the inode number of a replaced socket file at once; with the modification time (ns) it is unique.
     */
    private static List<Object> identity(Path file) throws IOException
    {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return List.of(String.valueOf(attributes.fileKey()), attributes.lastModifiedTime());
    }

    /**
     * Stops answering and removes the socket file if it is still this server's.
     */
    @Override
    public void close()
    {
        close(true);
    }

    /**
     * Stops answering.
     * @param removeFile whether to remove the socket file if it is still this server's; false after a handoff,
     * when the successor renames its own socket over the path at any moment
     */
    public void close(boolean removeFile)
    {
        closed = true;
        if (server != null)
            closeQuietly(server);
        // let commands under way (a restart that was just rolled back) write their answers before the JVM exits
        try
        {
            if (slots.tryAcquire(MAX_CONCURRENT, CLOSE_WAIT_MS, TimeUnit.MILLISECONDS))
                slots.release(MAX_CONCURRENT);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        try
        {
            Files.deleteIfExists(temporary);
            if (removeFile && ownIdentity != null && ownIdentity.equals(identity(path)))
                Files.deleteIfExists(path);
        }
        catch (IOException x)
        {
            // already gone
        }
    }
}
