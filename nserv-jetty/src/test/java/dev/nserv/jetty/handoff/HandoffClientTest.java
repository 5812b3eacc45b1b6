package dev.nserv.jetty.handoff;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.nserv.jetty.RawHttp;
import dev.nserv.jetty.SocketActivationConnector;
import dev.nserv.jetty.sockets.InheritedListeners;
import dev.nserv.jetty.sockets.ListenerNames;
import dev.nserv.jetty.sockets.SocketFds;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The handoff conversation in one JVM: an "old" Jetty server hands its listener to a "new" one. */
class HandoffClientTest
{
    @TempDir
    Path tmp;

    private Server oldServer;
    private Server newServer;
    private HandoffListener listener;
    // the new server's source of inherited sockets; this JVM's own (systemd, fd 0) stays out of the test
    private final InheritedListeners inherited = new InheritedListeners(Map.of(), ProcessHandle.current().pid(), false);

    @AfterEach
    void stop() throws Exception
    {
        if (listener != null)
            listener.close();
        if (newServer != null)
            newServer.stop();
        if (oldServer != null)
            oldServer.stop();
    }

    private Server server(String name, String answer, int port)
    {
        SocketActivationConnector connector = new SocketActivationConnector(new Server());
        connector.setInheritedListeners(inherited);
        return server(connector, name, answer, port);
    }

    private static Server server(ServerConnector connector, String name, String answer, int port)
    {
        Server server = connector.getServer();
        connector.setName(name);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response, Callback callback)
            {
                response.write(true, java.nio.ByteBuffer.wrap(answer.getBytes(java.nio.charset.StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        return server;
    }

    /** Plays the old generation: HELLO, then HANDOFF with stdout, stderr and the listener, then the decision. */
    private CompletableFuture<String> oldGeneration(String connectorName, String decision)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try (LineChannel channel = listener.accept())
            {
                String hello = channel.readLine();
                assertThat(hello).startsWith("HELLO " + listener.token() + " ");
                int fd = SocketFds.fdOf((ServerSocketChannel)((ServerConnector)oldServer.getConnectors()[0]).getTransport());
                channel.sendLineWithFds("HANDOFF generation=1 pid=" + ProcessHandle.current().pid() + " control= listeners=" + connectorName + " limits=", new int[]{1, 2, fd});
                String reply = channel.readLine();
                if (reply != null && reply.startsWith("READY"))
                    channel.writeLine(decision);
                return reply;
            }
            catch (Exception x)
            {
                throw new RuntimeException(x);
            }
        });
    }

    private HandoffClient client()
    {
        return new HandoffClient(listener.path(), listener.token(), inherited);
    }

    @Test
    void successorServesOnTheSameSocketAfterCommit() throws Exception
    {
        oldServer = server("http", "old", 0);
        oldServer.start();
        int port = ((ServerConnector)oldServer.getConnectors()[0]).getLocalPort();
        long inode = SocketFds.socketInode(SocketFds.fdOf((ServerSocketChannel)((ServerConnector)oldServer.getConnectors()[0]).getTransport()));
        listener = new HandoffListener(tmp);
        CompletableFuture<String> old = oldGeneration("http", "COMMIT");

        HandoffClient client = client();
        newServer = server("http", "new", 1);
        client.receive(newServer);
        newServer.start();
        client.ready();
        assertThat(old.get(10, TimeUnit.SECONDS)).startsWith("READY ");
        CountDownLatch gone = new CountDownLatch(1);
        client.commit(gone::countDown);
        assertThat(gone.await(10, TimeUnit.SECONDS)).as("end of the handoff connection reported").isTrue();

        ServerConnector adopted = (ServerConnector)newServer.getConnectors()[0];
        assertThat(adopted.getLocalPort()).isEqualTo(port);
        assertThat(SocketFds.socketInode(SocketFds.fdOf((ServerSocketChannel)adopted.getTransport()))).isEqualTo(inode);
        assertThat(inherited.describe(ListenerNames.of(newServer)).get(0)).contains("127.0.0.1:" + port).contains("inode " + inode).contains("handed off by generation 1");

        oldServer.stop();
        try (RawHttp http = new RawHttp(port))
        {
            assertThat(http.get("/").body()).isEqualTo("new");
        }
    }

    @Test
    void aPlainServerConnectorIsOpenedOnTheHandedOffSocket() throws Exception
    {
        oldServer = server("http", "old", 0);
        oldServer.start();
        int port = ((ServerConnector)oldServer.getConnectors()[0]).getLocalPort();
        listener = new HandoffListener(tmp);
        CompletableFuture<String> old = oldGeneration("http", "COMMIT");

        HandoffClient client = client();
        // e.g. a connector that a --config file added: it has no adoption seam, so the handoff opens it
        newServer = server(new ServerConnector(new Server()), "http", "new", 1);
        client.receive(newServer);
        newServer.start();
        client.ready();
        assertThat(old.get(10, TimeUnit.SECONDS)).startsWith("READY ");
        client.commit(() -> { });
        assertThat(((ServerConnector)newServer.getConnectors()[0]).getLocalPort()).isEqualTo(port);
        assertThat(inherited.origin("http")).contains("handed off by generation 1");
        oldServer.stop();
        try (RawHttp http = new RawHttp(port))
        {
            assertThat(http.get("/").body()).isEqualTo("new");
        }
    }

    @Test
    void abortMakesReadyFailWithTheReason() throws Exception
    {
        oldServer = server("http", "old", 0);
        oldServer.start();
        listener = new HandoffListener(tmp);
        CompletableFuture<String> old = oldGeneration("http", "ABORT " + HandoffProtocol.encode("not ready within 60000 ms"));
        HandoffClient client = client();
        newServer = server("http", "new", 1);
        client.receive(newServer);
        newServer.start();
        assertThatThrownBy(client::ready).hasMessageContaining("rolled the restart back: not ready within 60000 ms");
        old.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aListenerWithoutMatchingConnectorIsAClearErrorAndReportedBack() throws Exception
    {
        oldServer = server("https", "old", 0);
        oldServer.start();
        int port = ((ServerConnector)oldServer.getConnectors()[0]).getLocalPort();
        listener = new HandoffListener(tmp);
        CompletableFuture<String> old = oldGeneration("https", "COMMIT");
        HandoffClient client = client();
        newServer = server("http", "new", 1);
        assertThatThrownBy(() -> client.receive(newServer))
            .hasMessageContaining("handed over the listener of connector 'https' but this server has no connector of that name [http]");
        client.failed("no connector https");
        assertThat(old.get(10, TimeUnit.SECONDS)).isEqualTo("FAILED " + HandoffProtocol.encode("no connector https"));
        // the old generation's socket is untouched
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
    }
}
