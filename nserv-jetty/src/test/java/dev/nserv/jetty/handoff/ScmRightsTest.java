package dev.nserv.jetty.handoff;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import dev.nserv.jetty.sockets.LibC;
import dev.nserv.jetty.sockets.SocketFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScmRightsTest
{
    private final TrackedChannels channels = new TrackedChannels();
    private SocketChannel sender;
    private SocketChannel receiver;

    @TempDir
    Path tmp;

    @BeforeEach
    void connect() throws Exception
    {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(tmp.resolve("h.sock"));
        ServerSocketChannel server = channels.track(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        server.bind(address);
        sender = channels.track(SocketChannel.open(address));
        receiver = channels.track(server.accept());
    }

    @AfterEach
    void close() throws Exception
    {
        channels.close();
    }

    @Test
    void listenersTravelWithTheirPayloadAndStayTheSameKernelSocket() throws Exception
    {
        ServerSocketChannel http = channels.listener();
        ServerSocketChannel https = channels.listener();
        int[] fds = {SocketFds.fdOf(http), SocketFds.fdOf(https)};
        ScmRights.send(SocketFds.fdOf(sender), "FDS http https\n".getBytes(StandardCharsets.US_ASCII), fds);

        ScmRights.Received received = ScmRights.receive(SocketFds.fdOf(receiver), 4096, 4);
        assertThat(new String(received.data, StandardCharsets.US_ASCII)).isEqualTo("FDS http https\n");
        assertThat(received.fds).hasSize(2);
        for (int i = 0; i < 2; i++)
        {
            assertThat(received.fds[i]).isNotEqualTo(fds[i]);
            assertThat(SocketFds.socketInode(received.fds[i])).isEqualTo(SocketFds.socketInode(fds[i]));
            assertThat(SocketFds.describe(received.fds[i])).startsWith("socket:[");
        }

        ServerSocketChannel adopted = channels.track(SocketFds.toServerSocketChannel(received.fds[1], "received https"));
        SocketFds.closeQuietly(received.fds[0]);
        https.close();
        try (SocketChannel client = SocketChannel.open(adopted.getLocalAddress());
             SocketChannel accepted = adopted.accept())
        {
            assertThat(accepted.getRemoteAddress()).isEqualTo(client.getLocalAddress());
        }
    }

    @Test
    void plainDataArrivesWithoutFdsAndEndOfStreamIsEmpty() throws Exception
    {
        ScmRights.send(SocketFds.fdOf(sender), "READY 1\n".getBytes(StandardCharsets.US_ASCII), new int[0]);
        ScmRights.Received received = ScmRights.receive(SocketFds.fdOf(receiver), 4096, 1);
        assertThat(received.fds).isEmpty();
        assertThat(new String(received.data, StandardCharsets.US_ASCII)).isEqualTo("READY 1\n");

        sender.close();
        assertThat(ScmRights.receive(SocketFds.fdOf(receiver), 4096, 1).data).isEmpty();
    }

    @Test
    void moreFdsThanExpectedFailsAndLeaksNothing() throws Exception
    {
        ServerSocketChannel a = channels.listener();
        ServerSocketChannel b = channels.listener();
        ScmRights.send(SocketFds.fdOf(sender), "X".getBytes(StandardCharsets.US_ASCII), new int[]{SocketFds.fdOf(a), SocketFds.fdOf(b)});
        assertThatThrownBy(() -> ScmRights.receive(SocketFds.fdOf(receiver), 16, 1))
            .hasMessageContaining("more file descriptors than the 1 expected");
    }

    @Test
    void peerCredentialsNameThisProcess() throws Exception
    {
        PeerCredentials peer = PeerCredentials.of(SocketFds.fdOf(receiver));
        assertThat(peer.pid).isEqualTo(ProcessHandle.current().pid());
        assertThat(peer.uid).isEqualTo(Integer.toUnsignedLong(LibC.INSTANCE.getuid()));
    }
}
