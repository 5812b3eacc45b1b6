package dev.nserv.jetty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;

import jdk.net.ExtendedSocketOptions;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The accepted socket, as the server holds it, has SO_KEEPALIVE and the probe timings set, on a plain
 * ServerConnector as on the throttled one, whether the bean belongs to a connector or to the server.
 */
class TcpKeepAliveTest
{
    private final Server server = new Server();

    @AfterEach
    void stop() throws Exception
    {
        server.stop();
    }

    private ServerConnector addConnector(ServerConnector connector)
    {
        connector.setHost(ThrottledTestSupport.LOCALHOST);
        connector.setPort(0);
        server.addConnector(connector);
        return connector;
    }

    @Test
    void aPlainServerConnectorWithTheBeanSetsEveryOptionOnAcceptedSockets() throws Exception
    {
        ServerConnector connector = addConnector(new ServerConnector(server, 1, 1));
        TcpKeepAlive keepAlive = new TcpKeepAlive();
        keepAlive.setIdleSeconds(33);
        keepAlive.setIntervalSeconds(7);
        keepAlive.setProbeCount(4);
        connector.addBean(keepAlive);
        server.start();

        try (Socket client = connect(connector))
        {
            assertThat(client.isConnected()).isTrue();
            SocketChannel accepted = acceptedChannel(connector);
            assertThat(accepted.getOption(StandardSocketOptions.SO_KEEPALIVE)).isTrue();
            assumeExtendedOptions(accepted);
            assertThat(accepted.getOption(ExtendedSocketOptions.TCP_KEEPIDLE)).isEqualTo(33);
            assertThat(accepted.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL)).isEqualTo(7);
            assertThat(accepted.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT)).isEqualTo(4);
        }
    }

    @Test
    void aServerBeanAppliesItsDefaultsToEveryConnectorOfTheServer() throws Exception
    {
        ServerConnector plain = addConnector(new ServerConnector(server, 1, 1));
        ServerConnector throttled = addConnector(new ThrottledServerConnector(server, 1, 1));
        server.addBean(new TcpKeepAlive(server));
        server.start();

        for (ServerConnector connector : new ServerConnector[]{plain, throttled})
        {
            try (Socket client = connect(connector))
            {
                assertThat(client.isConnected()).isTrue();
                SocketChannel accepted = acceptedChannel(connector);
                assertThat(accepted.getOption(StandardSocketOptions.SO_KEEPALIVE)).as("%s", connector).isTrue();
                assumeExtendedOptions(accepted);
                assertThat(accepted.getOption(ExtendedSocketOptions.TCP_KEEPIDLE)).isEqualTo(TcpKeepAlive.DEFAULT_IDLE_SECONDS);
                assertThat(accepted.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL)).isEqualTo(TcpKeepAlive.DEFAULT_INTERVAL_SECONDS);
                assertThat(accepted.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT)).isEqualTo(TcpKeepAlive.DEFAULT_PROBE_COUNT);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> connector.getConnectedEndPoints().isEmpty());
        }
    }

    @Test
    void disabledLeavesAcceptedSocketsAsTheOsMadeThem() throws Exception
    {
        ServerConnector connector = addConnector(new ServerConnector(server, 1, 1));
        TcpKeepAlive keepAlive = new TcpKeepAlive();
        keepAlive.setEnabled(false);
        connector.addBean(keepAlive);
        server.start();

        try (Socket client = connect(connector))
        {
            assertThat(client.isConnected()).isTrue();
            assertThat(acceptedChannel(connector).getOption(StandardSocketOptions.SO_KEEPALIVE)).isFalse();
        }
    }

    @Test
    void settersRefuseNegativeValuesNamingTheSetting()
    {
        TcpKeepAlive keepAlive = new TcpKeepAlive();
        assertThatThrownBy(() -> keepAlive.setIdleSeconds(-1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("idleSeconds must be 0 (the OS default) or more, but was -1");
        assertThatThrownBy(() -> keepAlive.setIntervalSeconds(-2))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("intervalSeconds must be 0 (the OS default) or more, but was -2");
        assertThatThrownBy(() -> keepAlive.setProbeCount(-3))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("probeCount must be 0 (the OS default) or more, but was -3");
        keepAlive.setIdleSeconds(0);
        assertThat(keepAlive.getIdleSeconds()).isZero();
        assertThat(keepAlive.getIntervalSeconds()).isEqualTo(TcpKeepAlive.DEFAULT_INTERVAL_SECONDS);
        assertThat(keepAlive.getProbeCount()).isEqualTo(TcpKeepAlive.DEFAULT_PROBE_COUNT);
    }

    @Test
    void channelsWithoutKeepAliveOrAlreadyClosedAreLeftAlone() throws Exception
    {
        TcpKeepAlive keepAlive = new TcpKeepAlive();
        try (SocketChannel unix = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            assertThatCode(() -> keepAlive.onAccepting(unix)).doesNotThrowAnyException();
        }
        SocketChannel closed = SocketChannel.open();
        closed.close();
        assertThatCode(() -> keepAlive.onAccepting(closed)).doesNotThrowAnyException();
    }

    private static Socket connect(AbstractNetworkConnector connector) throws IOException
    {
        Socket client = new Socket();
        client.connect(new InetSocketAddress(ThrottledTestSupport.LOCALHOST, connector.getLocalPort()), 10_000);
        return client;
    }

    private static SocketChannel acceptedChannel(ServerConnector connector)
    {
        await().atMost(Duration.ofSeconds(10)).until(() -> connector.getConnectedEndPoints().size() == 1);
        EndPoint endPoint = connector.getConnectedEndPoints().iterator().next();
        return (SocketChannel)endPoint.getTransport();
    }

    private static void assumeExtendedOptions(SocketChannel channel)
    {
        assumeThat(channel.supportedOptions()).as("per-socket keep-alive timings on this platform")
            .contains(ExtendedSocketOptions.TCP_KEEPIDLE, ExtendedSocketOptions.TCP_KEEPINTERVAL, ExtendedSocketOptions.TCP_KEEPCOUNT);
    }
}
