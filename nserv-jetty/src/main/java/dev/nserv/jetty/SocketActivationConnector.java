package dev.nserv.jetty;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.util.Objects;

import dev.nserv.jetty.sockets.InheritedListeners;
import dev.nserv.jetty.sockets.ListenerNames;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * <p>A {@link ThrottledServerConnector} that listens on a socket the process inherited, when there is one for its
 * name, and binds its host and port otherwise. The socket comes from {@link InheritedListeners#process()}: handed
 * over by the previous generation in a zero-downtime restart, passed by systemd socket activation
 * ({@code LISTEN_FDS}; {@code FileDescriptorName=} in the .socket unit matches the connector's {@code name}, else
 * sockets go to connectors by position), or inetd style on fd 0 (a close-on-exec duplicate is adopted; fd 0 stays
 * open). An inherited fd that is not a listening TCP socket fails the start with a message that names the fd.</p>
 * <p>Adoption happens in {@link #openAcceptChannel()}, Jetty's own seam for where a connector's listener comes
 * from, so it works wherever the connector opens: in nserv's launcher, in embedded code and in plain jetty.xml.
 * After adoption {@code host} and {@code port} report the socket's real address. A connector stopped and started
 * again binds that address, as its inherited socket was closed by the stop. Leave {@code inheritChannel} false:
 * fd 0 is adopted without it, and Jetty's own use of fd 0 would close it on stop.</p>
 * <pre>{@code
 * <Call name="addConnector"><Arg>
 *   <New class="dev.nserv.jetty.SocketActivationConnector">
 *     <Arg name="server"><Ref refid="Server"/></Arg>
 *     <Set name="name">http</Set>
 *     <Set name="port">8080</Set>
 *     <Set name="maxConnections">500</Set>
 *   </New>
 * </Arg></Call>
 * }</pre>
 */
@ManagedObject("A throttled ServerConnector that adopts a listening socket inherited from systemd, fd 0 or the previous generation")
public class SocketActivationConnector extends ThrottledServerConnector
{
    private volatile InheritedListeners listeners = InheritedListeners.process();

    /**
     * @param server the server
     */
    public SocketActivationConnector(
        @Name("server") Server server)
    {
        super(server);
    }

    /**
     * @param server the server
     * @param acceptors the number of acceptor threads, -1 for one; 0 is refused
     * @param selectors the number of selectors, -1 for Jetty's default
     */
    public SocketActivationConnector(
        @Name("server") Server server,
        @Name("acceptors") int acceptors,
        @Name("selectors") int selectors)
    {
        super(server, acceptors, selectors);
    }

    /**
     * @param server the server
     * @param factories the connection factories
     */
    public SocketActivationConnector(
        @Name("server") Server server,
        @Name("factories") ConnectionFactory... factories)
    {
        super(server, factories);
    }

    /**
     * @param server the server
     * @param acceptors the number of acceptor threads, -1 for one; 0 is refused
     * @param selectors the number of selectors, -1 for Jetty's default
     * @param factories the connection factories
     */
    public SocketActivationConnector(
        @Name("server") Server server,
        @Name("acceptors") int acceptors,
        @Name("selectors") int selectors,
        @Name("factories") ConnectionFactory... factories)
    {
        super(server, acceptors, selectors, factories);
    }

    /**
     * @param server the server
     * @param sslContextFactory the TLS configuration; HTTP/1.1 runs over it
     */
    public SocketActivationConnector(
        @Name("server") Server server,
        @Name("sslContextFactory") SslContextFactory.Server sslContextFactory)
    {
        super(server, sslContextFactory);
    }

    /**
     * @param server the server
     * @param sslContextFactory the TLS configuration
     * @param factories the connection factories that run over TLS
     */
    public SocketActivationConnector(
        @Name("server") Server server,
        @Name("sslContextFactory") SslContextFactory.Server sslContextFactory,
        @Name("factories") ConnectionFactory... factories)
    {
        super(server, sslContextFactory, factories);
    }

    /**
     * Sets where inherited sockets are looked up; for embedding and tests.
     * @param listeners the source; the default is {@link InheritedListeners#process()}
     */
    public void setInheritedListeners(InheritedListeners listeners)
    {
        this.listeners = Objects.requireNonNull(listeners, "inheritedListeners must not be null; the default is InheritedListeners.process()");
    }

    /**
     * @return where the listening socket came from
     */
    @ManagedAttribute(value = "Where the listening socket came from: bound, systemd, fd 0 or handed off by the previous generation", readonly = true)
    public String getListenerOrigin()
    {
        return listeners.origin(ListenerNames.nameOf(this));
    }

    @Override
    protected ServerSocketChannel openAcceptChannel() throws IOException
    {
        String name = ListenerNames.nameOf(this);
        InheritedListeners.Inherited inherited = listeners.take(name, ListenerNames.names(getServer()));
        if (inherited == null)
        {
            ServerSocketChannel bound = super.openAcceptChannel();
            listeners.record(name, InheritedListeners.BOUND);
            return bound;
        }
        listeners.adopted(this, name, inherited);
        return inherited.channel();
    }
}
