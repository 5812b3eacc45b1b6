package dev.nserv.jetty.sockets;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InheritedListenersTest
{
    private static final List<String> CONNECTORS = List.of("http", "https");
    private static final long PID = ProcessHandle.current().pid();

    private final List<ServerSocketChannel> channels = new ArrayList<>();

    @AfterEach
    void close() throws IOException
    {
        for (ServerSocketChannel channel : channels)
            channel.close();
    }

    private ServerSocketChannel listener() throws IOException
    {
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.INET);
        channels.add(channel);
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return channel;
    }

    @Test
    void aSocketGoesToTheConnectorOfItsNameOnce() throws IOException
    {
        InheritedListeners listeners = new InheritedListeners(Map.of(), PID, false);
        ServerSocketChannel https = listener();
        listeners.put("https", https, "handed off by generation 1 (pid 1)");

        assertThat(listeners.take("http", CONNECTORS)).isNull();
        InheritedListeners.Inherited taken = listeners.take("https", CONNECTORS);
        assertThat(taken.channel()).isSameAs(https);
        assertThat(taken.origin()).isEqualTo("handed off by generation 1 (pid 1)");
        assertThat(listeners.take("https", CONNECTORS)).as("taken once; a second open binds").isNull();
    }

    @Test
    void originsAreRecordedByName()
    {
        InheritedListeners listeners = new InheritedListeners(Map.of(), PID, false);
        assertThat(listeners.origin("http")).isEqualTo(InheritedListeners.BOUND);
        listeners.record("http", "systemd fd 3 (LISTEN_FDS #1, name 'http')");
        assertThat(listeners.origin("http")).isEqualTo("systemd fd 3 (LISTEN_FDS #1, name 'http')");
    }

    @Test
    void aChannelThatIsNotListeningIsRefusedNamingTheConnector() throws IOException
    {
        InheritedListeners listeners = new InheritedListeners(Map.of(), PID, false);
        ServerSocketChannel unbound = ServerSocketChannel.open(StandardProtocolFamily.INET);
        channels.add(unbound);
        assertThatThrownBy(() -> listeners.put("http", unbound, "a test"))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("the listener for connector 'http' (a test) is a TCP socket that is not listening");
        ServerSocketChannel http = listener();
        listeners.put("http", http, "a test");
        assertThatThrownBy(() -> listeners.put("http", listener(), "again"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("a listener for connector 'http' is already waiting");
    }

    @Test
    void aSystemdFdThatIsNotASocketFailsEveryTakeNamingTheFd()
    {
        // fd 3 of a JVM is its own modules file: systemd variables pointing at it must not make it a listener
        InheritedListeners listeners = new InheritedListeners(Map.of("LISTEN_PID", Long.toString(PID), "LISTEN_FDS", "1"), PID, false);
        assertThatThrownBy(() -> listeners.take("http", CONNECTORS))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("fd 3 (LISTEN_FDS #1, by order) is not a socket");
        assertThatThrownBy(() -> listeners.take("https", CONNECTORS))
            .as("the other connectors fail too instead of binding")
            .hasMessageContaining("fd 3 (LISTEN_FDS #1, by order) is not a socket");
    }

    @Test
    void systemdVariablesThatDoNotFitTheConnectorsNameTheVariable()
    {
        InheritedListeners listeners = new InheritedListeners(Map.of("LISTEN_PID", Long.toString(PID), "LISTEN_FDS", "3"), PID, false);
        assertThatThrownBy(() -> listeners.take("http", CONNECTORS))
            .hasMessage("systemd socket activation: systemd passed 3 sockets (LISTEN_FDS=3) but the server has 2 connector(s) [http, https]:" +
                " configure one connector per socket, or fewer ListenStream= lines in the .socket unit");
    }

    @Test
    void handedOffSocketsReplaceSystemdAndFd0() throws IOException
    {
        // these variables would fail the first take (fd 3 is no socket) if they were read
        InheritedListeners listeners = new InheritedListeners(Map.of("LISTEN_PID", Long.toString(PID), "LISTEN_FDS", "1"), PID, true);
        listeners.setRequireFd0(true);
        listeners.put("https", listener(), "handed off by generation 1 (pid 1)");
        assertThat(listeners.take("http", CONNECTORS)).isNull();
        assertThat(listeners.take("https", CONNECTORS)).isNotNull();
    }
}
