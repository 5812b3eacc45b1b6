package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives connectors listening sockets that the process inherited instead of binding new ones: systemd socket
 * activation ({@code LISTEN_FDS}) or an inetd-style listener on fd 0. Runs before the server starts.
 * <p>
 * Every inherited fd is checked to be a listening TCP socket first: anything else is a startup error that names
 * the fd, never a silent bind to a new port. fd 0 itself is never closed or wrapped (closing it would make the
 * JDK put /dev/null on fds 0-2); a close-on-exec duplicate is adopted instead. After adoption the connector's host
 * and port are set to the socket's real address, so that logs, {@code getLocalPort()} and JMX report it.
 *
 * <pre>{@code
 * ListenerAdopter adopter = new ListenerAdopter(registry, System.getenv(), false);
 * adopter.adopt(server);   // before server.start()
 * }</pre>
 */
final class ListenerAdopter
{
    private static final Logger LOG = LoggerFactory.getLogger(ListenerAdopter.class);

    private final ListenerRegistry registry;
    private final Map<String, String> env;
    private final boolean requireFd0;

    /**
     * @param registry where to record each connector's socket origin
     * @param env the environment holding the systemd variables
     * @param requireFd0 whether fd 0 must be a listening TCP socket
     */
    ListenerAdopter(ListenerRegistry registry, Map<String, String> env, boolean requireFd0)
    {
        this.registry = registry;
        this.env = env;
        this.requireFd0 = requireFd0;
    }

    /**
     * Adopts the inherited sockets into the server's connectors.
     * @param server a configured server that is not started
     * @throws IOException when an inherited fd is not a listening TCP socket or does not fit the connectors
     */
    void adopt(Server server) throws IOException
    {
        List<ServerConnector> connectors = serverConnectors(server);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < connectors.size(); i++)
            names.add(ListenerRegistry.key(connectors.get(i), i));

        List<SystemdListeners.Assignment> plan;
        try
        {
            plan = SystemdListeners.plan(env, ProcessHandle.current().pid(), names);
        }
        catch (IllegalStateException x)
        {
            throw new IOException("systemd socket activation: " + x.getMessage(), x);
        }
        boolean[] adopted = new boolean[connectors.size()];
        for (SystemdListeners.Assignment assignment : plan)
        {
            ServerSocketChannel channel = SocketFds.toServerSocketChannel(assignment.fd, assignment.label);
            SocketFds.setCloexec(assignment.fd);
            adoptChannel(connectors.get(assignment.connector), names.get(assignment.connector), channel, "systemd " + assignment.label);
            adopted[assignment.connector] = true;
        }
        if (!plan.isEmpty() && plan.size() < connectors.size())
            LOG.info("systemd passed {} socket(s) for {} connectors; the others bind their configured ports", plan.size(), connectors.size());

        adoptFd0(connectors, names, adopted);
    }

    private void adoptFd0(List<ServerConnector> connectors, List<String> names, boolean[] adopted) throws IOException
    {
        String what = "fd 0 (standard input)";
        if (!SocketFds.isSocket(0))
        {
            if (requireFd0)
                throw new IOException(what + " is not a socket (it is " + SocketFds.describe(0) + "): --inherit-fd0 needs a listening TCP socket on standard input," +
                    " e.g. systemd-socket-activate -l 127.0.0.1:8080 sh -c 'exec java -jar nserv.jar --inherit-fd0 <&3 3<&-'");
            return;
        }
        try
        {
            SocketFds.checkListeningTcp(0, what);
        }
        catch (IOException x)
        {
            if (requireFd0)
                throw x;
            LOG.debug("{} is a socket but not a listening TCP socket: not adopted ({})", what, x.getMessage());
            return;
        }
        int target = -1;
        for (int i = 0; i < adopted.length && target < 0; i++)
        {
            if (!adopted[i])
                target = i;
        }
        if (target < 0)
        {
            if (requireFd0)
                throw new IOException(what + " is a listening socket but every connector already adopted a systemd socket; add a connector for it");
            LOG.info("{} is a listening socket but every connector already adopted a systemd socket: fd 0 is left alone", what);
            return;
        }
        // Never wrap fd 0 itself: closing that channel would put /dev/null on fds 0-2 (and lose the last log lines).
        int dup = SocketFds.dupCloexec(0);
        ServerSocketChannel channel;
        try
        {
            channel = SocketFds.toServerSocketChannel(dup, what + ", duplicated as fd " + dup);
        }
        catch (IOException x)
        {
            SocketFds.closeQuietly(dup);
            throw x;
        }
        adoptChannel(connectors.get(target), names.get(target), channel, "inetd-style " + what);
    }

    /**
     * Opens a connector on an adopted channel and records where the socket came from.
     * @param connector the connector, not started
     * @param name the connector's key
     * @param channel a bound, listening channel
     * @param source where the socket came from, for logs and status
     * @throws IOException when Jetty refuses the channel
     */
    void adoptChannel(ServerConnector connector, String name, ServerSocketChannel channel, String source) throws IOException
    {
        connector.open(channel);
        InetSocketAddress local = (InetSocketAddress)channel.getLocalAddress();
        connector.setHost(local.getAddress().isAnyLocalAddress() ? null : local.getAddress().getHostAddress());
        connector.setPort(local.getPort());
        registry.record(name, source);
        LOG.info("connector '{}' adopted {} listening on {} (socket inode {}) instead of binding", name, source, ListenerRegistry.format(local),
            SocketFds.socketInode(SocketFds.fdOf(channel)));
    }

    static List<ServerConnector> serverConnectors(Server server)
    {
        List<ServerConnector> list = new ArrayList<>();
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof ServerConnector serverConnector)
                list.add(serverConnector);
        }
        return list;
    }
}
