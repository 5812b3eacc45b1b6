package dev.nserv.jetty;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.nserv.jetty.sockets.InheritedListeners;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.xml.XmlConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** A plain jetty.xml builds the connector, which then adopts a socket inherited under its name. */
class SocketActivationConnectorXmlTest
{
    private static final String XML = """
        <?xml version="1.0"?>
        <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
        <Configure id="Server" class="org.eclipse.jetty.server.Server">
          <Call name="addConnector">
            <Arg>
              <New id="http" class="dev.nserv.jetty.SocketActivationConnector">
                <Arg name="server"><Ref refid="Server"/></Arg>
                <Arg name="acceptors" type="int">1</Arg>
                <Arg name="selectors" type="int">1</Arg>
                <Set name="inheritedListeners"><Ref refid="inherited"/></Set>
                <Set name="name">http</Set>
                <Set name="port">1</Set>
                <Set name="maxConnections">7</Set>
              </New>
            </Arg>
          </Call>
        </Configure>
        """;

    @TempDir
    Path tmp;

    private Server server;
    private ServerSocketChannel channel;

    @AfterEach
    void stop() throws Exception
    {
        if (server != null)
            server.stop();
        if (channel != null)
            channel.close();
    }

    @Test
    void connectorFromJettyXmlAdoptsTheSocketOfItsName() throws Exception
    {
        channel = ServerSocketChannel.open(StandardProtocolFamily.INET);
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = ((InetSocketAddress)channel.getLocalAddress()).getPort();
        // stands in for InheritedListeners.process(), the default, so that this JVM's fd 0 stays out of the test
        InheritedListeners inherited = new InheritedListeners(Map.of(), ProcessHandle.current().pid(), false);
        inherited.put("http", channel, "systemd fd 3 (LISTEN_FDS #1, name 'http')");

        Path file = tmp.resolve("jetty.xml");
        Files.writeString(file, XML);
        try (ResourceFactory.Closeable resources = ResourceFactory.closeable())
        {
            XmlConfiguration configuration = new XmlConfiguration(resources.newResource(file));
            configuration.getIdMap().put("inherited", inherited);
            server = (Server)configuration.configure();
            SocketActivationConnector connector = (SocketActivationConnector)configuration.getIdMap().get("http");
            server.setHandler(new ThrottledTestSupport.HoldingHandler());
            server.start();

            assertThat(connector.getMaxConnections()).isEqualTo(7);
            assertThat(connector.getTransport()).isSameAs(channel);
            assertThat(connector.getLocalPort()).isEqualTo(port);
            assertThat(connector.getListenerOrigin()).isEqualTo("systemd fd 3 (LISTEN_FDS #1, name 'http')");
            assertThat(ThrottledTestSupport.get(port).status()).isEqualTo(200);
        }
    }
}
