package dev.nserv.jetty.metrics;

import java.io.IOException;

import dev.nserv.jetty.SocketActivationConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;

/**
 * The admin listener: a connector of its own, named {@value #NAME}, on 127.0.0.1 unless told otherwise, with a small
 * connection limit of its own, so that a scrape never takes a slot of the public connectors and a flood of the
 * public port never keeps a scrape out. It is a {@link SocketActivationConnector} on the same {@link Server} as
 * the public ones: the zero-downtime restart hands its listening socket to the successor under its name like every
 * other listener, and the graceful stop parks and drains it with the others. What it serves is decided by
 * {@link AdminHandler}; {@link MetricsEndpoint} creates both.
 *
 * <p>It refuses to open on a port that another connector of the server is configured with: the admin port is never
 * a public port.</p>
 */
@ManagedObject("The admin listener: /metrics and the probes, on a port of its own")
public class AdminConnector extends SocketActivationConnector
{
    /** The connector's name: the name its socket goes by in a handoff and in systemd's LISTEN_FDNAMES. */
    public static final String NAME = "admin";
    /** The default address: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The default connection limit: scrapers and probes are few. */
    public static final int DEFAULT_MAX_CONNECTIONS = 16;

    /**
     * Creates the admin connector (HTTP/1.1, one acceptor, one selector); add it with
     * {@code server.addConnector(...)} -- {@link MetricsEndpoint} does.
     * @param server the server
     */
    public AdminConnector(@Name("server") Server server)
    {
        super(server, 1, 1, new HttpConnectionFactory(adminConfiguration()));
        setName(NAME);
        setHost(DEFAULT_HOST);
        setMaxConnections(DEFAULT_MAX_CONNECTIONS);
    }

    private static HttpConfiguration adminConfiguration()
    {
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendXPoweredBy(false);
        return config;
    }

    /**
     * Sets the admin port.
     * @param port 0 to 65535; 0 picks a free port
     */
    @Override
    public void setPort(int port)
    {
        if (port < 0 || port > 65535)
            throw new IllegalArgumentException("admin port must be from 0 to 65535 (0 picks a free port), was " + port);
        super.setPort(port);
    }

    @Override
    public void open() throws IOException
    {
        int port = getPort();
        if (port > 0)
        {
            for (Connector connector : getServer().getConnectors())
            {
                if (connector != this && connector instanceof NetworkConnector network && network.getPort() == port)
                    throw new IllegalStateException("admin port " + port + " is also the port of connector '" + connector.getName() +
                        "'; the admin port must be a port of its own (choose another, or 0 for any free port)");
            }
        }
        super.open();
    }
}
