package dev.nserv.jetty.ctl;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * Bad input gets an {@code ERR} line and never disturbs the server. One thread reads every connection's command
 * line without blocking; each connection must send its line within 1 s, at most 256 wait for theirs (the oldest
 * is closed to make room), and at most 4 commands execute at once: idle or slow peers cannot lock an operator out.
 * (It is over 400 lines because that non-blocking reader, with its deadlines and its bound, must live beside the
 * socket's life cycle -- temporary name, publish, inode-checked removal -- whose races it shares; the commands
 * themselves are {@link ControlCommands}.)
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
    /** Commands executing at once (a restart runs for seconds); a connection that is still sending holds none. */
    private static final int MAX_CONCURRENT = 4;
    /** Connections waiting for their command line; beyond, the oldest is closed. */
    private static final int MAX_PENDING = 256;
    /** How long a connection may take to send its command line. */
    private static final long READ_DEADLINE_MS = 1_000;
    private static final long CLOSE_WAIT_MS = 5_000;
    /** How long the answer to a committed restart waits for the successor to take the socket path over. */
    private static final long TAKEOVER_WAIT_MS = 5_000;

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
    private Selector selector;
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
        selector = Selector.open();
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        Thread reader = new Thread(this::selectLoop, "nserv-ctl-reader");
        reader.setDaemon(true);
        reader.start();
        LOG.info("control socket {} (java -jar nserv.jar ctl --socket {} status)", path, path);
    }

    /**
     * One thread reads the command lines of every connection without blocking, so idle or slow peers hold no
     * thread and no command slot: each gets {@link #READ_DEADLINE_MS} for its line, and when
     * {@link #MAX_PENDING} connections wait for theirs the oldest is closed to make room for the newest (an
     * operator arriving after a flood of idle connections is served).
     */
    private void selectLoop()
    {
        Map<SocketChannel, Pending> pending = new LinkedHashMap<>();
        try
        {
            while (!closed)
            {
                long now = System.nanoTime();
                long wait = READ_DEADLINE_MS;
                for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); )
                {
                    Pending p = it.next();
                    long left = TimeUnit.NANOSECONDS.toMillis(p.deadline - now);
                    if (left <= 0)
                    {
                        it.remove();
                        p.key.cancel();
                        answerNow(p.channel, "ERR no command line within " + READ_DEADLINE_MS + " ms");
                        closeQuietly(p.channel);
                    }
                    else
                    {
                        // pending is in accept order, so the first one alive has the nearest deadline
                        wait = Math.min(wait, left);
                        break;
                    }
                }
                selector.select(Math.max(1, wait));
                Map<SocketChannel, String> complete = new LinkedHashMap<>();
                for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); )
                {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid())
                        continue;
                    if (key.isAcceptable())
                        accept(pending);
                    else if (key.isReadable())
                        read((SocketChannel)key.channel(), pending, complete);
                }
                if (!complete.isEmpty())
                {
                    // the cancelled keys must leave the selector before their channels can block again
                    selector.selectNow();
                    complete.forEach(this::dispatch);
                }
            }
        }
        catch (IOException | RuntimeException x)
        {
            if (!closed)
                LOG.warn("control socket {}: no longer answering: {}", path, x.toString());
        }
        finally
        {
            pending.keySet().forEach(ControlServer::closeQuietly);
            closeQuietly(selector);
        }
    }

    private void accept(Map<SocketChannel, Pending> pending) throws IOException
    {
        for (int i = 0; i < 64; i++)
        {
            SocketChannel client = server.accept();
            if (client == null)
                return;
            try
            {
                if (!samePeerUser(client))
                {
                    answerNow(client, "ERR permission denied: the control socket serves only its owner");
                    closeQuietly(client);
                    continue;
                }
                if (pending.size() >= MAX_PENDING)
                {
                    Iterator<Pending> oldest = pending.values().iterator();
                    Pending evicted = oldest.next();
                    oldest.remove();
                    evicted.key.cancel();
                    answerNow(evicted.channel, "ERR busy: " + MAX_PENDING + " control connections wait for a command line; closing the oldest");
                    closeQuietly(evicted.channel);
                }
                client.configureBlocking(false);
                SelectionKey key = client.register(selector, SelectionKey.OP_READ);
                pending.put(client, new Pending(client, key, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_DEADLINE_MS)));
            }
            catch (IOException x)
            {
                // this client only; the others are still served
                LOG.debug("control client failed at accept", x);
                closeQuietly(client);
            }
        }
    }

    private void read(SocketChannel client, Map<SocketChannel, Pending> pending, Map<SocketChannel, String> complete)
    {
        Pending p = pending.get(client);
        if (p == null)
            return;
        String line;
        try
        {
            line = p.read();
        }
        catch (IOException x)
        {
            pending.remove(client);
            p.key.cancel();
            answerNow(client, "ERR " + x.getMessage());
            closeQuietly(client);
            return;
        }
        if (line == null && !p.eof)
            return;
        pending.remove(client);
        p.key.cancel();
        if (line == null)
            closeQuietly(client);
        else
            complete.put(client, line);
    }

    private void dispatch(SocketChannel client, String line)
    {
        try
        {
            client.configureBlocking(true);
        }
        catch (IOException | IllegalStateException x)
        {
            LOG.debug("control client went away before its command ran", x);
            closeQuietly(client);
            return;
        }
        if (!slots.tryAcquire())
        {
            answer(client, List.of("ERR busy: " + MAX_CONCURRENT + " control commands are under way; try again"));
            closeQuietly(client);
            return;
        }
        Thread worker = new Thread(() ->
        {
            try
            {
                execute(client, line);
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

    private void execute(SocketChannel client, String line)
    {
        List<String> reply;
        try
        {
            reply = handler.handle(line.trim());
            if (line.trim().equals("restart") && !reply.isEmpty() && reply.get(0).startsWith("OK restarted"))
                awaitSuccessorAtPath();
        }
        catch (RuntimeException x)
        {
            LOG.warn("control command '{}' failed", line, x);
            reply = List.of("ERR " + x);
        }
        answer(client, reply);
    }

    /**
     * After a committed restart, answers only once the successor has renamed its socket over the path (it does so
     * right after COMMIT): otherwise an operator's next command, e.g. {@code ctl status} just after {@code ctl restart}
     * returned, could still reach this draining generation and report the old pid.
     */
    private void awaitSuccessorAtPath()
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TAKEOVER_WAIT_MS);
        try
        {
            while (ownIdentity != null && ownIdentity.equals(identity(path)))
            {
                if (System.nanoTime() - deadline > 0)
                {
                    LOG.warn("the successor has not taken over the control socket {} after {} ms; answering the restart anyway", path, TAKEOVER_WAIT_MS);
                    return;
                }
                Thread.sleep(5);
            }
        }
        catch (IOException x)
        {
            // the path is gone or unreadable: nothing to wait for
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** A connection whose command line has not arrived yet. */
    private static final class Pending
    {
        private final SocketChannel channel;
        private final SelectionKey key;
        private final long deadline;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final ByteBuffer buffer = ByteBuffer.allocate(256);
        private boolean eof;

        private Pending(SocketChannel channel, SelectionKey key, long deadline)
        {
            this.channel = channel;
            this.key = key;
            this.deadline = deadline;
        }

        /** @return the line once complete (or at the end of input), else null */
        private String read() throws IOException
        {
            while (true)
            {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0)
                {
                    eof = true;
                    return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
                }
                if (n == 0)
                    return null;
                for (int i = 0; i < n; i++)
                {
                    byte b = buffer.get(i);
                    if (b == '\n')
                        return line.toString(StandardCharsets.UTF_8);
                    if (line.size() >= MAX_LINE)
                        throw new IOException("command longer than " + MAX_LINE + " bytes");
                    line.write(b);
                }
            }
        }
    }

    /** Best effort, without blocking: for refusals written by the reader thread. */
    private static void answerNow(SocketChannel client, String line)
    {
        try
        {
            if (client.isBlocking())
                client.configureBlocking(false);
            client.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            client.shutdownOutput();
            ByteBuffer discard = ByteBuffer.allocate(4096);
            for (int i = 0; i < 16 && client.read(discard) > 0; i++)
                discard.clear();
        }
        catch (IOException x)
        {
            LOG.debug("control client went away before the refusal", x);
        }
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
        if (selector != null)
            selector.wakeup();
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
