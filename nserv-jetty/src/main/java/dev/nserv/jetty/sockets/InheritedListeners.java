package dev.nserv.jetty.sockets;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening sockets this process inherited, keyed by connector name, and where each connector's socket came
 * from. One object per process ({@link #process()}): connectors take their socket from it when they open (see
 * {@code dev.nserv.jetty.SocketActivationConnector}) and bind only when nothing was inherited under their name.
 * <p>
 * The sockets come from one of two places. A successor's handoff {@linkplain #put puts} the sockets its
 * predecessor sent, under the names the predecessor sent, before the server starts; systemd's variables and fd 0
 * then belong to the predecessor and are never looked at. Otherwise the first {@link #take} reads them once:
 * systemd socket activation ({@code LISTEN_FDS}, matched to connectors by {@code LISTEN_FDNAMES}, else by
 * position; see {@link SystemdListeners}), then an inetd-style listener on fd 0, which goes to the first connector
 * that systemd gave nothing. fd 0 itself is never wrapped or closed (closing it would make the JDK put /dev/null on
 * fds 0-2): a close-on-exec duplicate is adopted. Every inherited fd must be a listening TCP socket; anything else
 * is an {@link IOException} naming the fd, never a silent bind to a new port.
 *
 * <pre>{@code
 * InheritedListeners listeners = InheritedListeners.process();
 * listeners.put("http", channelFromPredecessor, "handed off by generation 1 (pid 4242)");   // successor only
 * InheritedListeners.Inherited http = listeners.take("http", List.of("http", "https"));     // null: bind
 * }</pre>
 */
public final class InheritedListeners
{
    /** The origin of a connector that bound its own socket. */
    public static final String BOUND = "bound by this generation";

    private static final Logger LOG = LoggerFactory.getLogger(InheritedListeners.class);
    private static final String FD0 = "fd 0 (standard input)";
    private static InheritedListeners process;

    private final Map<String, String> env;
    private final long pid;
    private final boolean inspectFd0;
    private final Map<String, Inherited> available = new HashMap<>();
    private final Map<String, String> origins = new ConcurrentHashMap<>();
    private boolean requireFd0;
    private boolean environmentRead;
    private IOException environmentFailure;

    /**
     * A socket waiting for its connector.
     * @param channel a bound, listening channel; the connector that takes it owns it
     * @param origin where it came from, for logs and JMX, e.g. {@code "systemd fd 3 (LISTEN_FDS #1, name 'http')"}
     */
    public record Inherited(ServerSocketChannel channel, String origin)
    {
    }

    /**
     * @param env the environment holding systemd's variables
     * @param pid this process's id, compared with {@code LISTEN_PID}
     * @param inspectFd0 whether a listening socket on fd 0 is adopted; false in tests that share the JVM's fd 0
     */
    public InheritedListeners(Map<String, String> env, long pid, boolean inspectFd0)
    {
        this.env = Map.copyOf(env);
        this.pid = pid;
        this.inspectFd0 = inspectFd0;
    }

    /**
     * @return the one source of this process, reading {@link System#getenv()} and fd 0
     */
    public static synchronized InheritedListeners process()
    {
        if (process == null)
            process = new InheritedListeners(dev.nserv.jetty.ProcessEnvironment.get(), ProcessHandle.current().pid(), true);
        return process;
    }

    /**
     * Makes fd 0 mandatory ({@code --inherit-fd0}): the first {@link #take} then fails unless fd 0 is a listening
     * TCP socket that some connector adopts. Ignored after a handoff.
     * @param require true to require it; false (the default) adopts a listening socket on fd 0 and ignores
     *                anything else there
     */
    public synchronized void setRequireFd0(boolean require)
    {
        requireFd0 = require;
    }

    /**
     * Offers a socket to the connector of that name. Sockets given this way replace systemd's variables and fd 0,
     * which a successor must leave to its predecessor.
     * @param name the connector name, as {@link ListenerNames} gives it
     * @param channel a bound, listening TCP channel; owned by this object until a connector takes it
     * @param origin where it came from, for logs and JMX
     * @throws IOException when the channel is not a listening TCP socket
     * @throws IllegalArgumentException when a socket is already waiting under that name
     */
    public synchronized void put(String name, ServerSocketChannel channel, String origin) throws IOException
    {
        if (available.containsKey(name))
            throw new IllegalArgumentException("a listener for connector '" + name + "' is already waiting (" + available.get(name).origin() + "); one socket per connector name");
        SocketFds.checkListeningTcp(SocketFds.fdOf(channel), "the listener for connector '" + name + "' (" + origin + ")");
        environmentRead = true;
        available.put(name, new Inherited(channel, origin));
    }

    /**
     * Hands the connector of that name its inherited socket, once; the first call reads systemd's variables and
     * fd 0 unless a handoff {@linkplain #put put} sockets first.
     * @param name the connector's name
     * @param names the names of all the server's connectors in order, for systemd's matching by position
     * @return the socket, or {@code null} when nothing was inherited for this name (the connector binds)
     * @throws IOException naming the fd or variable when what was inherited is not a listening TCP socket or does
     *                     not fit the connectors; every later call fails the same way
     */
    public synchronized Inherited take(String name, List<String> names) throws IOException
    {
        if (!environmentRead)
        {
            environmentRead = true;
            try
            {
                readEnvironment(names);
            }
            catch (IOException x)
            {
                environmentFailure = x;
            }
        }
        if (environmentFailure != null)
            throw new IOException(environmentFailure.getMessage(), environmentFailure);
        return available.remove(name);
    }

    private void readEnvironment(List<String> names) throws IOException
    {
        List<SystemdListeners.Assignment> plan;
        try
        {
            plan = SystemdListeners.plan(env, pid, names);
        }
        catch (IllegalStateException x)
        {
            throw new IOException("systemd socket activation: " + x.getMessage(), x);
        }
        if (!plan.isEmpty() && !SocketFds.canWrapFds())
            throw new IOException("adopting the socket systemd passed (LISTEN_FDS) needs " + SocketFds.ADD_OPENS + " on the java command line (or in JDK_JAVA_OPTIONS)");
        for (SystemdListeners.Assignment assignment : plan)
        {
            ServerSocketChannel channel = SocketFds.toServerSocketChannel(assignment.fd, assignment.label);
            SocketFds.setCloexec(assignment.fd);
            available.put(names.get(assignment.connector), new Inherited(channel, "systemd " + assignment.label));
        }
        if (!plan.isEmpty() && plan.size() < names.size())
            LOG.info("systemd passed {} socket(s) for {} connectors; the others bind their configured ports", plan.size(), names.size());
        if (inspectFd0)
            readFd0(names);
    }

    private void readFd0(List<String> names) throws IOException
    {
        if (!SocketFds.isSocket(0))
        {
            if (requireFd0)
                throw new IOException(FD0 + " is not a socket (it is " + SocketFds.describe(0) + "): --inherit-fd0 needs a listening TCP socket on standard input," +
                    " e.g. systemd-socket-activate -l 127.0.0.1:8080 sh -c 'exec java -jar nserv.jar --inherit-fd0 <&3 3<&-'");
            return;
        }
        try
        {
            SocketFds.checkListeningTcp(0, FD0);
        }
        catch (IOException x)
        {
            if (requireFd0)
                throw x;
            LOG.debug("{} is a socket but not a listening TCP socket: not adopted ({})", FD0, x.getMessage());
            return;
        }
        String target = names.stream().filter(name -> !available.containsKey(name)).findFirst().orElse(null);
        if (target == null)
        {
            if (requireFd0)
                throw new IOException(FD0 + " is a listening socket but every connector already adopted a systemd socket; add a connector for it");
            LOG.info("{} is a listening socket but every connector already adopted a systemd socket: fd 0 is left alone", FD0);
            return;
        }
        if (!SocketFds.canWrapFds())
            throw new IOException("adopting the listening socket on " + FD0 + " needs " + SocketFds.ADD_OPENS + " on the java command line (or in JDK_JAVA_OPTIONS)");
        // Never wrap fd 0 itself: closing that channel would put /dev/null on fds 0-2 (and lose the last log lines).
        int dup = SocketFds.dupCloexec(0);
        try
        {
            available.put(target, new Inherited(SocketFds.toServerSocketChannel(dup, FD0 + ", duplicated as fd " + dup), "inetd-style " + FD0));
        }
        catch (IOException x)
        {
            SocketFds.closeQuietly(dup);
            throw x;
        }
    }

    /**
     * Completes an adoption: sets the connector's host and port to the socket's real address (so that logs,
     * {@code getLocalPort()} and JMX report it) and records and logs where the socket came from.
     * @param connector the connector that listens on the socket
     * @param name its name
     * @param inherited the socket and its origin
     * @throws IOException when the socket's address cannot be read
     */
    public void adopted(ServerConnector connector, String name, Inherited inherited) throws IOException
    {
        InetSocketAddress local = (InetSocketAddress)inherited.channel().getLocalAddress();
        connector.setHost(local.getAddress().isAnyLocalAddress() ? null : local.getAddress().getHostAddress());
        connector.setPort(local.getPort());
        record(name, inherited.origin());
        LOG.info("connector '{}' adopted {} listening on {} (socket inode {}) instead of binding", name, inherited.origin(), format(local),
            SocketFds.socketInode(SocketFds.fdOf(inherited.channel())));
    }

    /**
     * Opens a connector that has no adoption seam of its own (a plain {@link ServerConnector}, e.g. one that a
     * jetty.xml file added) on an inherited socket, through Jetty's {@link ServerConnector#open(ServerSocketChannel)};
     * before the server starts. Such a connector binds again after a stop; a
     * {@code dev.nserv.jetty.SocketActivationConnector} takes its socket from {@link #take} instead.
     * @param connector the connector, not open
     * @param name its name
     * @param inherited the socket and its origin
     * @throws IOException when Jetty refuses the channel
     */
    public void open(ServerConnector connector, String name, Inherited inherited) throws IOException
    {
        connector.open(inherited.channel());
        adopted(connector, name, inherited);
    }

    /**
     * Records where a connector's socket came from, for {@link #describe}.
     * @param name the connector's name
     * @param origin e.g. {@link #BOUND} or an {@link Inherited#origin()}
     */
    public void record(String name, String origin)
    {
        origins.put(name, origin);
    }

    /**
     * @param name a connector's name
     * @return where its socket came from; {@link #BOUND} when nothing was recorded
     */
    public String origin(String name)
    {
        return origins.getOrDefault(name, BOUND);
    }

    /**
     * One line per connector: name, address, socket inode and origin, e.g.
     * {@code http 127.0.0.1:8080 inode 4711 (handed off by generation 1 (pid 4242))}.
     * @param listeners the server's connectors, from {@link ListenerNames#of}
     * @return the lines
     */
    public List<String> describe(List<ListenerNames.Named> listeners)
    {
        List<String> lines = new ArrayList<>();
        for (ListenerNames.Named listener : listeners)
        {
            String where = "not listening";
            if (listener.connector().getTransport() instanceof ServerSocketChannel channel && channel.isOpen())
            {
                try
                {
                    where = format((InetSocketAddress)channel.getLocalAddress()) + " inode " + SocketFds.socketInode(SocketFds.fdOf(channel));
                }
                catch (IOException x)
                {
                    where = "unknown (" + x.getMessage() + ")";
                }
            }
            lines.add(listener.name() + " " + where + " (" + origin(listener.name()) + ")");
        }
        return lines;
    }

    /**
     * @param address a socket address
     * @return {@code host:port}, with brackets around an IPv6 host
     */
    public static String format(InetSocketAddress address)
    {
        String host = address.getAddress().getHostAddress();
        return (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
