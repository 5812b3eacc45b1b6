package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.server.ServerConnector;

/**
 * Remembers where each connector's listening socket came from (bound here, systemd, fd 0, or handed off by the
 * previous generation) and describes the listeners for logs, JMX and {@code ctl status}.
 */
final class ListenerRegistry
{
    private final Map<String, String> sources = new ConcurrentHashMap<>();

    /**
     * The name a connector goes by in handoffs and systemd matching.
     * @param connector the connector
     * @param index its position among the server's connectors
     * @return its name, or {@code #index} when it has none
     */
    static String key(ServerConnector connector, int index)
    {
        String name = connector.getName();
        return name == null || name.isBlank() ? "#" + index : name;
    }

    void record(String name, String source)
    {
        sources.put(name, source);
    }

    String source(String name)
    {
        return sources.getOrDefault(name, "bound by this generation");
    }

    /**
     * One line per started connector: name, address, socket inode and origin.
     * @param connectors the server's connectors
     * @return the lines
     */
    List<String> describe(List<ServerConnector> connectors)
    {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < connectors.size(); i++)
        {
            ServerConnector connector = connectors.get(i);
            String name = key(connector, i);
            String where = "not listening";
            if (connector.getTransport() instanceof ServerSocketChannel channel && channel.isOpen())
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
            lines.add(name + " " + where + " (" + source(name) + ")");
        }
        return lines;
    }

    static String format(InetSocketAddress address)
    {
        String host = address.getAddress().getHostAddress();
        return (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
