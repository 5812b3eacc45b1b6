package dev.nserv.jetty.handoff;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The server's connectors that own a listening socket, by the name that matches them across generations. The one
 * place the handoff code asks for connector names, so that how they are computed can change in one spot.
 */
final class NamedConnectors
{
    private NamedConnectors()
    {
    }

    /**
     * @param server the server
     * @return its listening connectors by name, in the server's order
     */
    static Map<String, ServerConnector> of(Server server)
    {
        List<ServerConnector> connectors = ListenerAdopter.serverConnectors(server);
        Map<String, ServerConnector> named = new LinkedHashMap<>();
        for (int i = 0; i < connectors.size(); i++)
            named.put(ListenerRegistry.key(connectors.get(i), i), connectors.get(i));
        return named;
    }
}
