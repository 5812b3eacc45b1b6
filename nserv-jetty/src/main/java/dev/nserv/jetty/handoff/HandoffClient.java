package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.jna.LastErrorException;
import dev.nserv.jetty.SocketActivationConnector;
import dev.nserv.jetty.ThrottledServerConnector;
import dev.nserv.jetty.sockets.InheritedListeners;
import dev.nserv.jetty.sockets.LibC;
import dev.nserv.jetty.sockets.ListenerNames;
import dev.nserv.jetty.sockets.SocketFds;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The successor's side of a restart: connects to the previous generation (socket and token from the
 * environment), receives every listening socket with its connector name plus the previous generation's stdout and
 * stderr, and puts the sockets into {@link InheritedListeners} under those names before the server starts (each
 * {@link SocketActivationConnector} takes its own when it opens); after the start it reports READY and waits for
 * COMMIT.
 * On COMMIT it moves the received stdout and stderr onto fds 1 and 2 (until then its output went through the
 * previous generation, which kept the tail for a roll back report), and from then on watches the connection: its
 * end means the previous generation has stopped, which {@link Restarter} needs before it allows another restart.
 */
final class HandoffClient
{
    private static final Logger LOG = LoggerFactory.getLogger(HandoffClient.class);
    private static final Duration DECISION_TIMEOUT = Duration.ofSeconds(30);

    private final Path socket;
    private final String token;
    private final InheritedListeners listeners;
    private final AtomicBoolean failureSent = new AtomicBoolean();
    private LineChannel channel;
    private int stdoutFd = -1;
    private int stderrFd = -1;
    private int previousGeneration;
    private long previousPid;
    private Path controlSocket;

    HandoffClient(Path socket, String token, InheritedListeners listeners)
    {
        this.socket = socket;
        this.token = token;
        this.listeners = listeners;
    }

    /**
     * @param env the environment
     * @return whether this process was started as a successor
     */
    static boolean isSuccessor(Map<String, String> env)
    {
        String path = env.get(HandoffProtocol.ENV_SOCKET);
        return path != null && !path.isEmpty();
    }

    long previousPid()
    {
        return previousPid;
    }

    int previousGeneration()
    {
        return previousGeneration;
    }

    /**
     * @return the previous generation's control socket, or {@code null} if it had none
     */
    Path controlSocket()
    {
        return controlSocket;
    }

    /**
     * Receives the listening sockets and puts them into the {@link InheritedListeners}; before the server starts.
     * @param server the configured server
     * @throws IOException when the handoff fails or the sockets do not fit the connectors
     */
    void receive(Server server) throws IOException
    {
        try
        {
            channel = new LineChannel(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
        }
        catch (IOException x)
        {
            throw new IOException("cannot reach the previous generation at " + socket + " (" + HandoffProtocol.ENV_SOCKET + "): " + x.getMessage(), x);
        }
        channel.writeLine(HandoffProtocol.HELLO + " " + token + " " + ProcessHandle.current().pid());
        List<ListenerNames.Named> connectors = ListenerNames.of(server);
        LineChannel.LineWithFds message = channel.receiveLineWithFds(HandoffProtocol.STDIO_FDS + Math.max(connectors.size(), 16));
        int[] fds = message.fds;
        Map<String, ServerSocketChannel> received = new LinkedHashMap<>();
        boolean complete = false;
        try
        {
            if (message.line == null)
                throw new IOException("the previous generation closed the handoff connection without handing over its sockets");
            String command = HandoffProtocol.command(message.line);
            if (command.equals(HandoffProtocol.ABORT))
                throw new IOException("the previous generation refused the handoff: " + HandoffProtocol.argument(message.line));
            if (!command.equals(HandoffProtocol.HANDOFF))
                throw new IOException("protocol error: expected " + HandoffProtocol.HANDOFF + ", got '" + message.line + "'");
            Map<String, String> parameters = HandoffProtocol.parameters(message.line);
            previousGeneration = Integer.parseInt(parameters.getOrDefault("generation", "0"));
            previousPid = Long.parseLong(parameters.getOrDefault("pid", "0"));
            String control = HandoffProtocol.decode(parameters.getOrDefault("control", ""));
            controlSocket = control.isEmpty() ? null : Path.of(control);
            List<String> names = HandoffProtocol.decodeList(parameters.get("listeners"));
            List<String> limits = HandoffProtocol.decodeList(parameters.get("limits"));
            if (fds.length != HandoffProtocol.STDIO_FDS + names.size())
                throw new IOException("protocol error: " + fds.length + " fds arrived for " + names.size() + " listeners " + names);
            stdoutFd = fds[0];
            stderrFd = fds[1];

            List<String> keys = new ArrayList<>();
            for (ListenerNames.Named connector : connectors)
                keys.add(connector.name());
            for (String name : names)
            {
                if (!keys.contains(name))
                    throw new IOException("the previous generation handed over the listener of connector '" + name + "' but this server has no connector of that name " + keys +
                        "; a successor must keep every connector");
            }
            String source = "handed off by generation " + previousGeneration + " (pid " + previousPid + ")";
            for (int i = 0; i < names.size(); i++)
            {
                int fd = fds[HandoffProtocol.STDIO_FDS + i];
                received.put(names.get(i), SocketFds.toServerSocketChannel(fd, "handed-off listener '" + names.get(i) + "' (fd " + fd + ")"));
                // from here the channel owns the fd
                fds[HandoffProtocol.STDIO_FDS + i] = -1;
            }
            for (int i = 0; i < names.size(); i++)
            {
                String name = names.get(i);
                ServerConnector connector = connectors.get(keys.indexOf(name)).connector();
                if (connector instanceof SocketActivationConnector)
                    listeners.put(name, received.get(name), source);
                else // e.g. a ThrottledServerConnector that a --config file added: opened on the socket here
                    listeners.open(connector, name, new InheritedListeners.Inherited(received.get(name), source));
                applyLimit(connector, name, i < limits.size() ? limits.get(i) : "");
            }
            for (String key : keys)
            {
                if (!names.contains(key))
                    LOG.info("connector '{}' is new in this generation: it binds its configured port", key);
            }
            complete = true;
        }
        finally
        {
            if (!complete)
            {
                for (int fd : fds)
                {
                    if (fd >= 0)
                        SocketFds.closeQuietly(fd);
                }
                stdoutFd = -1;
                stderrFd = -1;
                for (ServerSocketChannel listener : received.values())
                    closeQuietly(listener);
            }
        }
    }

    private static void closeQuietly(ServerSocketChannel listener)
    {
        try
        {
            listener.close();
        }
        catch (IOException ignored)
        {
            // the successor's start fails anyway; the fd is released either way
        }
    }

    private static void applyLimit(ServerConnector connector, String name, String limit)
    {
        // a limit changed at run time (ctl limit N) survives the restart
        if (limit.isEmpty() || !(connector instanceof ThrottledServerConnector throttled))
            return;
        int value = Integer.parseInt(limit);
        if (value != throttled.getMaxConnections())
        {
            LOG.info("connector '{}': connection limit {} carried over from the previous generation (configured {})", name, value, throttled.getMaxConnections());
            throttled.setMaxConnections(value);
        }
    }

    /**
     * Tells the previous generation why this start failed (best effort, once).
     * @param reason the cause
     */
    void failed(String reason)
    {
        if (channel == null || !failureSent.compareAndSet(false, true))
            return;
        try
        {
            channel.writeLine(HandoffProtocol.FAILED + " " + HandoffProtocol.encode(reason));
        }
        catch (IOException x)
        {
            LOG.debug("could not report the failure to the previous generation", x);
        }
    }

    /**
     * Reports READY and waits for the previous generation's decision.
     * @throws IOException when the previous generation aborts the handoff (it rolled back), so this one must stop
     */
    void ready() throws IOException
    {
        channel.writeLine(HandoffProtocol.READY + " " + ProcessHandle.current().pid());
        AtomicBoolean timedOut = new AtomicBoolean();
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() ->
        {
            timedOut.set(true);
            closeQuietly();
        }, CompletableFuture.delayedExecutor(DECISION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        String decision;
        try
        {
            decision = channel.readLine();
        }
        catch (IOException x)
        {
            decision = null;
        }
        finally
        {
            watchdog.cancel(false);
        }
        if (decision != null && HandoffProtocol.command(decision).equals(HandoffProtocol.COMMIT))
            return;
        if (decision != null && HandoffProtocol.command(decision).equals(HandoffProtocol.ABORT))
            throw new IOException("the previous generation rolled the restart back: " + HandoffProtocol.argument(decision));
        boolean previousAlive = ProcessHandle.of(previousPid).map(ProcessHandle::isAlive).orElse(false);
        if (previousAlive)
            throw new IOException("the previous generation (pid " + previousPid + ") gave no decision " + (timedOut.get() ? "within " + DECISION_TIMEOUT.toSeconds() + " s" : "and closed the handoff"));
        LOG.warn("the previous generation (pid {}) is gone without a decision: this generation serves alone", previousPid);
    }

    /**
     * After COMMIT: puts the previous generation's stdout and stderr on fds 1 and 2 and watches for its end.
     * @param onPreviousGone runs once the previous generation has stopped (its end of the connection closed)
     */
    void commit(Runnable onPreviousGone)
    {
        try
        {
            if (stdoutFd >= 0)
                LibC.INSTANCE.dup2(stdoutFd, 1);
            if (stderrFd >= 0)
                LibC.INSTANCE.dup2(stderrFd, 2);
        }
        catch (LastErrorException x)
        {
            LOG.warn("cannot take over stdout/stderr of the previous generation: errno {}", x.getErrorCode());
        }
        finally
        {
            for (int fd : new int[]{stdoutFd, stderrFd})
            {
                if (fd >= 0)
                    SocketFds.closeQuietly(fd);
            }
            stdoutFd = -1;
            stderrFd = -1;
        }
        Thread watcher = new Thread(() ->
        {
            try
            {
                while (channel.readLine() != null)
                {
                    // the previous generation sends nothing more; its end of stream is the news
                }
            }
            catch (IOException x)
            {
                LOG.debug("handoff connection ended", x);
            }
            closeQuietly();
            LOG.info("generation {} (pid {}) has stopped; restarts are possible again", previousGeneration, previousPid);
            onPreviousGone.run();
        }, "nserv-predecessor-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    void closeQuietly()
    {
        try
        {
            if (channel != null)
                channel.close();
        }
        catch (IOException ignored)
        {
            // nothing to release beyond the fd, which close() released or never had
        }
    }
}
