package dev.nserv.jetty;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.util.Map;

import dev.nserv.jetty.sockets.InheritedListeners;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Adoption at the connector's own seam, in one JVM: a real listening channel offered under a name. */
class SocketActivationConnectorTest
{
    private static final long PID = ProcessHandle.current().pid();

    private final Server server = new Server();
    private ServerSocketChannel inherited;

    @AfterEach
    void stop() throws Exception
    {
        server.stop();
        if (inherited != null)
            inherited.close();
    }

    private SocketActivationConnector connector(String name, InheritedListeners listeners, int port)
    {
        SocketActivationConnector connector = new SocketActivationConnector(server);
        connector.setInheritedListeners(listeners);
        connector.setName(name);
        connector.setPort(port);
        server.addConnector(connector);
        return connector;
    }

    private ServerSocketChannel listener() throws IOException
    {
        inherited = ServerSocketChannel.open(StandardProtocolFamily.INET);
        inherited.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return inherited;
    }

    @Test
    void adoptsTheSocketOfItsNameAndTheOtherConnectorBinds() throws Exception
    {
        InheritedListeners listeners = new InheritedListeners(Map.of(), PID, false);
        ServerSocketChannel channel = listener();
        int port = ((InetSocketAddress)channel.getLocalAddress()).getPort();
        listeners.put("http", channel, "handed off by a test");
        // port 1 would need root: the connector must not bind it
        SocketActivationConnector http = connector("http", listeners, 1);
        SocketActivationConnector admin = connector("admin", listeners, 0);
        admin.setHost(ThrottledTestSupport.LOCALHOST);
        server.setHandler(new ThrottledTestSupport.HoldingHandler());
        server.start();

        assertThat(http.getTransport()).isSameAs(channel);
        assertThat(http.getLocalPort()).isEqualTo(port);
        assertThat(http.getPort()).as("port reports the socket's real address").isEqualTo(port);
        assertThat(http.getHost()).isEqualTo("127.0.0.1");
        assertThat(http.getListenerOrigin()).isEqualTo("handed off by a test");
        assertThat(ThrottledTestSupport.get(port).status()).isEqualTo(200);

        assertThat(admin.getLocalPort()).isPositive().isNotEqualTo(port);
        assertThat(admin.getListenerOrigin()).isEqualTo(InheritedListeners.BOUND);
        assertThat(ThrottledTestSupport.get(admin.getLocalPort()).status()).isEqualTo(200);
        assertThat(http.getMaxConnections()).as("throttled too").isEqualTo(ThrottledServerConnector.DEFAULT_MAX_CONNECTIONS);
    }

    @Test
    void anUnnamedConnectorGoesByItsPosition() throws Exception
    {
        InheritedListeners listeners = new InheritedListeners(Map.of(), PID, false);
        ServerSocketChannel channel = listener();
        listeners.put("#0", channel, "a test");
        SocketActivationConnector connector = connector(null, listeners, 1);
        server.setHandler(new ThrottledTestSupport.HoldingHandler());
        server.start();
        assertThat(connector.getTransport()).isSameAs(channel);
    }

    @Test
    void afterAStopTheConnectorBindsTheAddressItAdopted() throws Exception
    {
        InheritedListeners listeners = new InheritedListeners(Map.of(), PID, false);
        ServerSocketChannel channel = listener();
        int port = ((InetSocketAddress)channel.getLocalAddress()).getPort();
        listeners.put("http", channel, "a test");
        SocketActivationConnector http = connector("http", listeners, 1);
        server.setHandler(new ThrottledTestSupport.HoldingHandler());
        server.start();
        server.stop();
        assertThat(channel.isOpen()).as("the stop closed the adopted socket").isFalse();

        server.start();
        assertThat(http.getLocalPort()).isEqualTo(port);
        assertThat(http.getListenerOrigin()).isEqualTo(InheritedListeners.BOUND);
        assertThat(ThrottledTestSupport.get(port).status()).isEqualTo(200);
    }

    @Test
    void anInheritedFdThatIsNotAListeningSocketFailsTheStartNamingTheFd()
    {
        // fd 3 of a JVM is its own modules file, not a socket
        InheritedListeners listeners = new InheritedListeners(Map.of("LISTEN_PID", Long.toString(PID), "LISTEN_FDS", "1"), PID, false);
        SocketActivationConnector http = connector("http", listeners, 0);
        http.setHost(ThrottledTestSupport.LOCALHOST);
        server.setHandler(new ThrottledTestSupport.HoldingHandler());
        assertThatThrownBy(http::open)
            .isInstanceOf(IOException.class)
            .hasMessageContaining("fd 3 (LISTEN_FDS #1, by order) is not a socket (it is ")
            .hasMessageContaining("expected a listening TCP socket");
        assertThat(http.getTransport()).as("no port was bound instead").isNull();
    }
}
