package dev.nserv.jetty.sockets;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The one rule that names a server's listeners: a {@link ServerConnector} goes by its {@code name}, or by
 * {@code #index} (its position among the server's ServerConnectors) when it has none. Socket adoption, the
 * handoff to a successor, systemd's {@code LISTEN_FDNAMES}, the control socket's default path and JMX all use
 * these names, so a listener handed over or activated under a name lands on the connector of that name.
 *
 * <pre>{@code
 * for (ListenerNames.Named listener : ListenerNames.of(server))
 *     System.out.println(listener.name() + " -> " + listener.connector().getLocalPort());
 * }</pre>
 */
public final class ListenerNames
{
    private ListenerNames()
    {
    }

    /**
     * A connector and the name it goes by.
     * @param name the connector's name, or {@code #index} for an unnamed one
     * @param connector the connector
     */
    public record Named(String name, ServerConnector connector)
    {
    }

    /**
     * @param server a server
     * @return its ServerConnectors in order, each with its name
     */
    public static List<Named> of(Server server)
    {
        List<Named> list = new ArrayList<>();
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof ServerConnector serverConnector)
            {
                String name = serverConnector.getName();
                list.add(new Named(name == null || name.isBlank() ? "#" + list.size() : name, serverConnector));
            }
        }
        return list;
    }

    /**
     * @param server a server
     * @return the names of its ServerConnectors in order
     */
    public static List<String> names(Server server)
    {
        return of(server).stream().map(Named::name).toList();
    }

    /**
     * @param connector a connector added to its server
     * @return the name it goes by
     * @throws IllegalStateException when the connector is not one of its server's connectors
     */
    public static String nameOf(ServerConnector connector)
    {
        for (Named named : of(connector.getServer()))
        {
            if (named.connector() == connector)
                return named.name();
        }
        throw new IllegalStateException("connector " + connector + " is not one of its server's connectors: add it with server.addConnector() before it opens");
    }
}
