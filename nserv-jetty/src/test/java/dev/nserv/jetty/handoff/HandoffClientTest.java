package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.nserv.jetty.RawHttp;
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
    private HandoffServer listener;

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

    private static Server server(String name, String answer, int port)
    {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
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

    /** The old generation: hands over stdout, stderr and the old server's listener, then commits or rolls back. */
    private CompletableFuture<String> oldGeneration(String connectorName, String abortCause)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try
            {
                int fd = SocketFds.fdOf((ServerSocketChannel)((ServerConnector)oldServer.getConnectors()[0]).getTransport());
                listener.handOff(new HandoffServer.Offer(1, ProcessHandle.current().pid(), null, List.of(connectorName), List.of(""), new int[]{fd}),
                    pid -> pid == ProcessHandle.current().pid());
                listener.awaitReady();
                if (abortCause != null)
                    return "rolled back: " + listener.rollBack(abortCause);
                listener.commit();
                return "committed";
            }
            catch (IOException x)
            {
                return "rolled back: " + listener.rollBack(x.getMessage());
            }
        });
    }

    private HandoffClient client(InheritedListeners inherited)
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
        listener = new HandoffServer(tmp);
        CompletableFuture<String> old = oldGeneration("http", null);

        InheritedListeners inherited = new InheritedListeners(Map.of(), ProcessHandle.current().pid(), false);
        HandoffClient client = client(inherited);
        newServer = server("http", "new", 1);
        client.receive(newServer);
        newServer.start();
        client.ready();
        assertThat(old.get(10, TimeUnit.SECONDS)).isEqualTo("committed");
        CountDownLatch gone = new CountDownLatch(1);
        client.commit(gone::countDown);
        listener.close();
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
    void abortMakesReadyFailWithTheReason() throws Exception
    {
        oldServer = server("http", "old", 0);
        oldServer.start();
        listener = new HandoffServer(tmp);
        CompletableFuture<String> old = oldGeneration("http", "not ready within 60000 ms");
        HandoffClient client = client(new InheritedListeners(Map.of(), ProcessHandle.current().pid(), false));
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
        listener = new HandoffServer(tmp);
        CompletableFuture<String> old = oldGeneration("https", null);
        HandoffClient client = client(new InheritedListeners(Map.of(), ProcessHandle.current().pid(), false));
        newServer = server("http", "new", 1);
        assertThatThrownBy(() -> client.receive(newServer))
            .hasMessageContaining("handed over the listener of connector 'https' but this server has no connector of that name [http]");
        client.failed("no connector https");
        assertThat(old.get(10, TimeUnit.SECONDS)).isEqualTo("rolled back: the successor failed to start: no connector https");
        // the old generation's socket is untouched
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
    }
}
