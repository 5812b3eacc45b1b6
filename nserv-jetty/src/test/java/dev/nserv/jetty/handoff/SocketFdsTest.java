package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import dev.nserv.jetty.sockets.SocketFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SocketFdsTest
{
    private final TrackedChannels channels = new TrackedChannels();

    @TempDir
    Path tmp;

    @AfterEach
    void close() throws Exception
    {
        channels.close();
    }

    @Test
    void listeningTcpSocketIsAcceptedAndWrappedAsTheSameSocket() throws Exception
    {
        ServerSocketChannel original = channels.listener();
        int fd = SocketFds.fdOf(original);
        assertThat(SocketFds.checkListeningTcp(fd, "fd " + fd)).isEqualTo(StandardProtocolFamily.INET);

        int dup = SocketFds.dupCloexec(fd);
        ServerSocketChannel wrapped = channels.track(SocketFds.toServerSocketChannel(dup, "fd " + dup));
        assertThat(wrapped.getLocalAddress()).isEqualTo(original.getLocalAddress());
        assertThat(SocketFds.socketInode(dup)).isEqualTo(SocketFds.socketInode(fd)).isPositive();

        // the original goes away; the wrapped channel alone still accepts on the same port
        original.close();
        try (SocketChannel client = SocketChannel.open(wrapped.getLocalAddress());
             SocketChannel accepted = wrapped.accept())
        {
            assertThat(accepted.getRemoteAddress()).isEqualTo(client.getLocalAddress());
        }
    }

    @Test
    void ipv6ListenerReportsInet6() throws Exception
    {
        ServerSocketChannel channel = channels.track(ServerSocketChannel.open(StandardProtocolFamily.INET6));
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        ProtocolFamily family = SocketFds.checkListeningTcp(SocketFds.fdOf(channel), "v6");
        assertThat(family).isEqualTo(StandardProtocolFamily.INET6);
    }

    @Test
    void connectedTcpSocketIsRejectedAsNotListening() throws Exception
    {
        ServerSocketChannel server = channels.listener();
        SocketChannel client = channels.track(SocketChannel.open(server.getLocalAddress()));
        int fd = SocketFds.fdOf(client);
        assertThatThrownBy(() -> SocketFds.toServerSocketChannel(fd, "fd " + fd + " (test)"))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("fd " + fd + " (test)")
            .hasMessageContaining("not listening");
    }

    @Test
    void udpSocketIsRejectedAsNotTcp() throws Exception
    {
        DatagramChannel udp = channels.track(DatagramChannel.open(StandardProtocolFamily.INET));
        udp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int fd = SocketFds.fdOf(udp);
        assertThatThrownBy(() -> SocketFds.checkListeningTcp(fd, "udp"))
            .hasMessageContaining("udp is an IP socket but not TCP");
    }

    @Test
    void unixDomainListenerIsRejectedNamingItsFamily() throws Exception
    {
        ServerSocketChannel unix = channels.track(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        unix.bind(UnixDomainSocketAddress.of(tmp.resolve("s.sock")));
        int fd = SocketFds.fdOf(unix);
        assertThatThrownBy(() -> SocketFds.checkListeningTcp(fd, "unix"))
            .hasMessageContaining("unix is a Unix domain socket");
    }

    @Test
    void regularFileAndClosedFdAreRejected() throws Exception
    {
        int fileFd;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            fileFd = fds.filter(p -> SocketFds.describe(Integer.parseInt(p.getFileName().toString())).endsWith(".jar"))
                .map(p -> Integer.parseInt(p.getFileName().toString()))
                .findFirst().orElseThrow();
        }
        assertThat(SocketFds.isSocket(fileFd)).isFalse();
        assertThatThrownBy(() -> SocketFds.checkListeningTcp(fileFd, "fd " + fileFd))
            .hasMessageContaining("is not a socket (it is /")
            .hasMessageContaining(".jar");
        assertThatThrownBy(() -> SocketFds.checkListeningTcp(999_999, "fd 999999"))
            .hasMessageContaining("fd 999999 is not an open file descriptor");
    }

    @Test
    void scanFindsTheSameFdAsReflectionForEveryKindOfChannel() throws Exception
    {
        assertThat(SocketFds.canWrapFds()).as("the tests run with the opens").isTrue();
        ServerSocketChannel v4 = channels.listener();
        ServerSocketChannel v6 = channels.track(ServerSocketChannel.open(StandardProtocolFamily.INET6));
        v6.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
        ServerSocketChannel dual = channels.track(ServerSocketChannel.open());
        dual.bind(new InetSocketAddress(0));
        SocketChannel client = channels.track(SocketChannel.open(v4.getLocalAddress()));
        SocketChannel accepted = channels.track(v4.accept());
        ServerSocketChannel unix = channels.track(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        unix.bind(UnixDomainSocketAddress.of(tmp.resolve("u.sock")));
        SocketChannel unixClient = channels.track(SocketChannel.open(unix.getLocalAddress()));
        SocketChannel unixAccepted = channels.track(unix.accept());
        for (java.nio.channels.NetworkChannel channel : java.util.List.of(v4, v6, dual, client, accepted, unix, unixClient, unixAccepted))
            assertThat(SocketFds.fdByScan(channel)).as("%s", channel).isEqualTo(SocketFds.fdByReflection(channel));
    }

    @Test
    void scanRefusesToGuessBetweenTwoListenersOnOnePort() throws Exception
    {
        ServerSocketChannel first = channels.track(ServerSocketChannel.open(StandardProtocolFamily.INET));
        first.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
        first.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        ServerSocketChannel second = channels.track(ServerSocketChannel.open(StandardProtocolFamily.INET));
        second.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
        second.bind(first.getLocalAddress());
        assertThatThrownBy(() -> SocketFds.fdByScan(second))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("ambiguous")
            .hasMessageContaining(SocketFds.ADD_OPENS);
    }
}
