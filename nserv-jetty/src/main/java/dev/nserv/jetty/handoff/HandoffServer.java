package dev.nserv.jetty.handoff;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

import dev.nserv.jetty.Generation;
import dev.nserv.jetty.ProcessEnvironment;
import dev.nserv.jetty.ThrottledServerConnector;
import dev.nserv.jetty.sockets.LibC;
import dev.nserv.jetty.sockets.ListenerNames;
import dev.nserv.jetty.sockets.SocketFds;
import dev.nserv.jetty.sockets.SystemdListeners;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The old generation's side of one restart, the mirror of {@link HandoffClient}: listens on a one-off Unix socket,
 * accepts the successor (same user by {@code SO_PEERCRED}, the expected process, the right token in HELLO), sends
 * HANDOFF with stdout, stderr and the listening sockets, waits for READY or FAILED, and answers COMMIT or ABORT.
 * <p>
 * The outcome is decided once: {@link #abort} (a timeout, the successor's exit, a stop; from any thread) and
 * {@link #commit} race, and whichever comes first wins. An abort also closes the socket, so that a wait in accept or
 * read ends at once. After COMMIT the connection stays open until {@link #close()}: its end tells the successor
 * that this generation has stopped.
 *
 * <pre>{@code
 * try (HandoffServer handoff = new HandoffServer(directory))
 * {
 *     // start the successor with handoff.path() and handoff.token() in its environment, then:
 *     handoff.handOff(offer, successor::owns);
 *     handoff.awaitReady();
 *     handoff.commit();                       // or, on failure: handoff.rollBack(cause)
 * }
 * }</pre>
 */
final class HandoffServer implements Closeable
{
    /**
     * What the HANDOFF message carries besides stdout and stderr.
     * @param generation the old generation's number
     * @param pid the old generation's pid
     * @param control the control socket path the successor takes over, or {@code null}
     * @param names connector names, one per listener
     * @param limits connection limits, one per listener, empty for none
     * @param listenerFds the listening sockets, in the order of {@code names}
     */
    record Offer(int generation, long pid, Path control, List<String> names, List<String> limits, int[] listenerFds)
    {
        /**
         * Collects the server's listening sockets by connector name, with their current connection limits.
         * @throws IOException when a connector has no open listening socket
         */
        static Offer of(Server server, int generation, Path control) throws IOException
        {
            List<String> names = new ArrayList<>();
            List<String> limits = new ArrayList<>();
            List<ListenerNames.Named> connectors = ListenerNames.of(server);
            int[] fds = new int[connectors.size()];
            for (ListenerNames.Named named : connectors)
            {
                ServerConnector connector = named.connector();
                if (!(connector.getTransport() instanceof ServerSocketChannel listener) || !listener.isOpen())
                    throw new IOException("connector '" + named.name() + "' has no open listening socket to hand over");
                fds[names.size()] = SocketFds.fdOf(listener);
                names.add(named.name());
                // a limit changed at run time (ctl limit N) survives the restart
                limits.add(connector instanceof ThrottledServerConnector throttled ? Integer.toString(throttled.getMaxConnections()) : "");
            }
            return new Offer(generation, ProcessHandle.current().pid(), control, names, limits, fds);
        }

        String line()
        {
            return HandoffProtocol.HANDOFF +
                " generation=" + generation +
                " pid=" + pid +
                " control=" + HandoffProtocol.encode(control == null ? "" : control.toString()) +
                " listeners=" + HandoffProtocol.encodeList(names) +
                " limits=" + HandoffProtocol.encodeList(limits);
        }

        int[] fds()
        {
            int[] fds = new int[HandoffProtocol.STDIO_FDS + listenerFds.length];
            fds[0] = 1;
            fds[1] = 2;
            System.arraycopy(listenerFds, 0, fds, HandoffProtocol.STDIO_FDS, listenerFds.length);
            return fds;
        }
    }

    private final HandoffListener listener;
    private LineChannel channel;
    private String cause;
    private boolean committed;

    /**
     * @param directory a directory private to this user, for the one-off socket
     * @throws IOException when the socket cannot be created
     */
    HandoffServer(Path directory) throws IOException
    {
        listener = new HandoffListener(directory);
    }

    /**
     * @return the socket the successor connects to
     */
    Path path()
    {
        return listener.path();
    }

    /**
     * @return the secret the successor must present
     */
    String token()
    {
        return listener.token();
    }

    /**
     * The successor's environment: this process's, without systemd's socket variables (the sockets come from
     * here), with this socket, the token and the successor's generation.
     * @param generation the successor's generation
     * @return a new map
     */
    Map<String, String> successorEnvironment(int generation)
    {
        Map<String, String> env = baseEnvironment(generation);
        env.put(HandoffProtocol.ENV_SOCKET, path().toString());
        env.put(HandoffProtocol.ENV_TOKEN, token());
        return env;
    }

    /**
     * A successor's environment before any handoff exists (a standby's): this process's, without systemd's socket
     * variables, this process's handoff variables and the standby marker, with the successor's generation.
     * @param generation the successor's generation
     * @return a new map
     */
    static Map<String, String> baseEnvironment(int generation)
    {
        Map<String, String> env = new HashMap<>(ProcessEnvironment.get());
        SystemdListeners.VARIABLES.forEach(env::remove);
        env.remove(HandoffProtocol.ENV_SOCKET);
        env.remove(HandoffProtocol.ENV_TOKEN);
        env.remove(ProcessEnvironment.STANDBY_ENV);
        Generation.passTo(env, generation);
        return env;
    }

    /**
     * Waits for the successor, checks who it is, and hands the listeners over.
     * @param offer what to send
     * @param isSuccessor tells whether a peer pid is the successor (or one of its descendants)
     * @throws IOException when aborted, or the peer is not the successor, or the conversation fails
     */
    void handOff(Offer offer, LongPredicate isSuccessor) throws IOException
    {
        LineChannel accepted = listener.accept();
        synchronized (this)
        {
            channel = accepted;
            // an abort that came while accept() returned has not seen this channel: close it here
            if (cause != null)
                closeQuietly(accepted);
        }
        listener.close();
        PeerCredentials peer = PeerCredentials.of(accepted.fd());
        if (peer.uid != Integer.toUnsignedLong(LibC.INSTANCE.getuid()) || !isSuccessor.test(peer.pid))
            throw new IOException("the handoff connection came from pid " + peer.pid + " (uid " + peer.uid + "), not from the successor");
        String hello = accepted.readLine();
        String[] words = hello == null ? new String[0] : hello.split(" ");
        if (words.length != 3 || !words[0].equals(HandoffProtocol.HELLO))
            throw new IOException("protocol error: the successor sent '" + hello + "' instead of HELLO");
        if (!MessageDigest.isEqual(words[1].getBytes(StandardCharsets.US_ASCII), token().getBytes(StandardCharsets.US_ASCII)))
            throw new IOException("the successor presented a wrong handoff token");
        accepted.sendLineWithFds(offer.line(), offer.fds());
    }

    /**
     * Waits for the successor's READY.
     * @throws IOException when it reports FAILED, closes the connection, says something else, or the wait is aborted
     */
    void awaitReady() throws IOException
    {
        String reply = connection().readLine();
        if (reply == null)
            throw new IOException("the successor closed the handoff connection before it was ready");
        if (HandoffProtocol.command(reply).equals(HandoffProtocol.FAILED))
            throw new IOException("the successor failed to start: " + HandoffProtocol.argument(reply));
        if (!HandoffProtocol.command(reply).equals(HandoffProtocol.READY))
            throw new IOException("protocol error: the successor sent '" + reply + "' instead of READY");
    }

    /**
     * Decides for the successor and tells it COMMIT, unless an abort came first.
     * @throws IOException with the abort's cause, or when the successor went away just after READY
     */
    void commit() throws IOException
    {
        LineChannel connection;
        synchronized (this)
        {
            if (cause != null)
                throw new IOException(cause);
            committed = true;
            connection = connection();
        }
        try
        {
            connection.writeLine(HandoffProtocol.COMMIT);
        }
        catch (IOException x)
        {
            synchronized (this)
            {
                committed = false;
                cause = "the successor went away just after it was ready: " + x.getMessage();
            }
            throw new IOException(cause(), x);
        }
    }

    /**
     * Decides against the successor, unless it was committed or another abort came first, and wakes up a
     * waiting {@link #handOff} or {@link #awaitReady}. Any thread.
     * @param why the cause, for the report
     * @return whether this call decided
     */
    boolean abort(String why)
    {
        LineChannel connection;
        synchronized (this)
        {
            if (committed || cause != null)
                return false;
            cause = why;
            connection = channel;
        }
        listener.close();
        if (connection != null)
            closeQuietly(connection);
        return true;
    }

    /**
     * @return the cause of the abort, or {@code null}
     */
    synchronized String cause()
    {
        return cause;
    }

    /**
     * After a failure: aborts (if not yet decided), tells the successor ABORT with the cause when it can still
     * hear it, and closes the connection.
     * @param why the cause, unless an earlier abort already named one
     * @return the cause that decided
     */
    String rollBack(String why)
    {
        LineChannel connection;
        synchronized (this)
        {
            if (cause == null)
            {
                cause = why;
                committed = false;
            }
            connection = channel;
        }
        listener.close();
        if (connection != null)
        {
            try
            {
                connection.writeLine(HandoffProtocol.ABORT + " " + HandoffProtocol.encode(cause()));
            }
            catch (IOException ignored)
            {
                // the successor is gone already, or an abort closed the connection
            }
            closeQuietly(connection);
        }
        return cause();
    }

    /**
     * Removes the one-off socket; the successor is connected or not coming.
     */
    void closeListener()
    {
        listener.close();
    }

    /**
     * Closes everything; after a commit this tells the successor that this generation has stopped.
     */
    @Override
    public void close()
    {
        listener.close();
        LineChannel connection;
        synchronized (this)
        {
            connection = channel;
        }
        if (connection != null)
            closeQuietly(connection);
    }

    private synchronized LineChannel connection() throws IOException
    {
        if (channel == null)
            throw new IOException(cause != null ? cause : "no successor is connected");
        return channel;
    }

    private static void closeQuietly(LineChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (IOException ignored)
        {
            // only releases the fd, or wakes up a blocked read
        }
    }
}
