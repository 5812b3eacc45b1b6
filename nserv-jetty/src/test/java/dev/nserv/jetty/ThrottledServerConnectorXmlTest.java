package dev.nserv.jetty;

import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;

import jdk.net.ExtendedSocketOptions;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.xml.XmlConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The connector is built from jetty.xml like a ServerConnector, with a TcpKeepAlive bean, its setters validate,
 * and accepted sockets get TCP keep-alive.
 */
class ThrottledServerConnectorXmlTest
{
    private static final String XML = """
        <?xml version="1.0"?>
        <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
        <Configure id="Server" class="org.eclipse.jetty.server.Server">
          <Call name="addConnector">
            <Arg>
              <New id="throttled" class="dev.nserv.jetty.ThrottledServerConnector">
                <Arg name="server"><Ref refid="Server"/></Arg>
                <Arg name="acceptors" type="int">2</Arg>
                <Arg name="selectors" type="int">1</Arg>
                <Set name="host">127.0.0.1</Set>
                <Set name="port">0</Set>
                <Set name="maxConnections"><Property name="max" default="5"/></Set>
                <Set name="overloadPolicy">shed</Set>
                <Set name="retryAfterSeconds">3</Set>
                <Call name="addBean">
                  <Arg>
                    <New id="keepAlive" class="dev.nserv.jetty.TcpKeepAlive">
                      <Set name="idleSeconds">45</Set>
                    </New>
                  </Arg>
                </Call>
              </New>
            </Arg>
          </Call>
        </Configure>
        """;

    private Server server;

    @AfterEach
    void stop() throws Exception
    {
        if (server != null)
            server.stop();
    }

    private static XmlConfiguration configuration(Map<String, String> properties) throws Exception
    {
        try (ResourceFactory.Closeable resources = ResourceFactory.closeable())
        {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("throttled-connector", ".xml");
            try
            {
                java.nio.file.Files.writeString(file, XML);
                XmlConfiguration configuration = new XmlConfiguration(resources.newResource(file));
                configuration.getProperties().putAll(properties);
                return configuration;
            }
            finally
            {
                java.nio.file.Files.delete(file);
            }
        }
    }

    @Test
    void connectorIsBuiltFromJettyXml() throws Exception
    {
        XmlConfiguration configuration = configuration(Map.of());
        server = (Server)configuration.configure();
        ThrottledServerConnector connector = (ThrottledServerConnector)configuration.getIdMap().get("throttled");
        ThrottledTestSupport.HoldingHandler handler = new ThrottledTestSupport.HoldingHandler();
        server.setHandler(handler);
        server.start();

        assertThat(connector.getAcceptors()).isEqualTo(2);
        assertThat(connector.getMaxConnections()).isEqualTo(5);
        assertThat(connector.getOverloadPolicy()).isEqualTo(OverloadPolicy.SHED);
        assertThat(connector.getRetryAfterSeconds()).isEqualTo(3);
        assertThat(connector.getBean(TcpKeepAlive.class)).isSameAs(configuration.getIdMap().get("keepAlive"));

        handler.hold();
        try (java.net.Socket socket = new java.net.Socket(ThrottledTestSupport.LOCALHOST, connector.getLocalPort()))
        {
            assertThat(socket.isConnected()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> connector.getConnectedEndPoints().size() == 1);
            EndPoint endPoint = connector.getConnectedEndPoints().iterator().next();
            SocketChannel accepted = (SocketChannel)endPoint.getTransport();
            assertThat(accepted.getOption(java.net.StandardSocketOptions.SO_KEEPALIVE)).isTrue();
            if (accepted.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE))
            {
                assertThat(accepted.getOption(ExtendedSocketOptions.TCP_KEEPIDLE)).isEqualTo(45);
                assertThat(accepted.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL)).isEqualTo(TcpKeepAlive.DEFAULT_INTERVAL_SECONDS);
                assertThat(accepted.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT)).isEqualTo(TcpKeepAlive.DEFAULT_PROBE_COUNT);
            }
        }
        handler.releaseAll();
        assertThat(ThrottledTestSupport.get(connector.getLocalPort()).status()).isEqualTo(200);
    }

    @Test
    void aLimitBelowOneInJettyXmlFailsNamingTheProblem() throws Exception
    {
        XmlConfiguration configuration = configuration(Map.of("max", "0"));
        assertThatThrownBy(configuration::configure)
            .satisfies(x ->
            {
                Throwable cause = x;
                while (cause != null && !(cause instanceof IllegalArgumentException && String.valueOf(cause.getMessage()).contains("maxConnections")))
                    cause = cause.getCause();
                assertThat(cause).as("an IllegalArgumentException about maxConnections in %s", x).isNotNull();
                assertThat(cause).hasMessageContaining("maxConnections must be at least 1, but was 0");
            });
    }

    @Test
    void settersRefuseInvalidValuesWithAMessageNamingTheFix()
    {
        Server plain = new Server();
        ThrottledServerConnector connector = new ThrottledServerConnector(plain);
        assertThatThrownBy(() -> connector.setMaxConnections(0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("maxConnections must be at least 1, but was 0");
        assertThatThrownBy(() -> connector.setOverloadPolicy("later"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("WAIT, SHED");
        assertThatThrownBy(() -> connector.setRetryAfterSeconds(-1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("retryAfterSeconds");
        assertThatThrownBy(() -> new TcpKeepAlive().setIdleSeconds(-1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("idleSeconds");
        assertThatThrownBy(() -> new ThrottledServerConnector(plain, 0, 1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("acceptors must be at least 1");
        connector.setOverloadPolicy(" Shed ");
        assertThat(connector.getOverloadPolicy()).isEqualTo(OverloadPolicy.SHED);
        assertThat(connector.getMaxConnections()).isEqualTo(1000);
        assertThat(connector.getIdleTimeout()).isEqualTo(30_000);
    }
}
