package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

import dev.nserv.jetty.RawHttp;
import dev.nserv.jetty.sockets.InheritedListeners;
import dev.nserv.jetty.sockets.ListenerNames;
import dev.nserv.jetty.sockets.SocketFds;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Both sides of the handoff against each other in one JVM: {@link HandoffServer} (old generation) and
 * {@link HandoffClient} (successor) over a real Unix socket, handing over the fd of a real 127.0.0.1 listener.
 */
class HandoffServerClientTest
{
    private static final LongPredicate THIS_JVM = pid -> pid == ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    private final TrackedChannels channels = new TrackedChannels();
    private HandoffServer handoff;
    private Server newServer;

    @AfterEach
    void stop() throws Exception
    {
        if (handoff != null)
            handoff.close();
        if (newServer != null)
            newServer.stop();
        channels.close();
    }

    private static Server server(String answer)
    {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setName("http");
        connector.setHost("127.0.0.1");
        // never bound: the connector must adopt the handed-over socket
        connector.setPort(1);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
            {
                response.write(true, ByteBuffer.wrap(answer.getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        return server;
    }

    private HandoffServer.Offer offer(ServerSocketChannel listener) throws IOException
    {
        return new HandoffServer.Offer(1, ProcessHandle.current().pid(), tmp.resolve("ctl.sock"), List.of("http"), List.of(""), new int[]{SocketFds.fdOf(listener)});
    }

    /** The old generation as the restarter drives it: hand off, await READY, commit; on failure roll back. */
    private CompletableFuture<String> oldGeneration(HandoffServer.Offer offer, Runnable betweenReadyAndCommit)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try
            {
                handoff.handOff(offer, THIS_JVM);
                handoff.awaitReady();
                betweenReadyAndCommit.run();
                handoff.commit();
                return "committed";
            }
            catch (IOException x)
            {
                return "rolled back: " + handoff.rollBack(x.getMessage());
            }
        });
    }

    private HandoffClient client(String token, InheritedListeners inherited)
    {
        return new HandoffClient(handoff.path(), token, inherited);
    }

    @Test
    void theSuccessorServesOnTheSameSocketAfterCommit() throws Exception
    {
        ServerSocketChannel listener = channels.listener();
        int port = listener.socket().getLocalPort();
        long inode = SocketFds.socketInode(SocketFds.fdOf(listener));
        handoff = new HandoffServer(tmp);
        CompletableFuture<String> old = oldGeneration(offer(listener), () -> { });

        InheritedListeners inherited = new InheritedListeners(Map.of(), ProcessHandle.current().pid(), false);
        HandoffClient client = client(handoff.token(), inherited);
        newServer = server("new");
        client.receive(newServer);
        assertThat(client.previousGeneration()).isEqualTo(1);
        assertThat(client.previousPid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(client.controlSocket()).isEqualTo(tmp.resolve("ctl.sock"));
        newServer.start();
        client.ready();
        assertThat(old.get(10, TimeUnit.SECONDS)).isEqualTo("committed");
        assertThat(handoff.abort("too late")).as("an abort after the commit changes nothing").isFalse();
        assertThat(handoff.cause()).isNull();

        CountDownLatch gone = new CountDownLatch(1);
        client.commit(gone::countDown);
        assertThat(gone.await(1, TimeUnit.SECONDS)).as("the old generation is still there").isFalse();
        handoff.close();
        assertThat(gone.await(10, TimeUnit.SECONDS)).as("end of the handoff connection reported").isTrue();

        ServerConnector adopted = (ServerConnector)newServer.getConnectors()[0];
        assertThat(adopted.getLocalPort()).isEqualTo(port);
        assertThat(SocketFds.socketInode(SocketFds.fdOf((ServerSocketChannel)adopted.getTransport()))).isEqualTo(inode);
        assertThat(inherited.describe(ListenerNames.of(newServer)).get(0)).contains("handed off by generation 1");
        try (RawHttp http = new RawHttp(port))
        {
            assertThat(http.get("/").body()).isEqualTo("new");
        }
    }

    @Test
    void failedFromTheSuccessorRollsBackWithItsReason() throws Exception
    {
        handoff = new HandoffServer(tmp);
        CompletableFuture<String> old = oldGeneration(offer(channels.listener()), () -> { });
        HandoffClient client = client(handoff.token(), new InheritedListeners(Map.of(), ProcessHandle.current().pid(), false));
        newServer = server("new");
        client.receive(newServer);
        client.failed("webapp / did not deploy");
        assertThat(old.get(10, TimeUnit.SECONDS)).isEqualTo("rolled back: the successor failed to start: webapp / did not deploy");
        // the old generation answered ABORT and closed: no READY gets through any more
        assertThatThrownBy(client::ready).isInstanceOf(IOException.class);
    }

    @Test
    void aSuccessorThatClosesEarlyIsRolledBack() throws Exception
    {
        handoff = new HandoffServer(tmp);
        CompletableFuture<String> old = oldGeneration(offer(channels.listener()), () -> { });
        HandoffClient client = client(handoff.token(), new InheritedListeners(Map.of(), ProcessHandle.current().pid(), false));
        newServer = server("new");
        client.receive(newServer);
        client.closeQuietly();
        assertThat(old.get(10, TimeUnit.SECONDS)).isEqualTo("rolled back: the successor closed the handoff connection before it was ready");
    }

    @Test
    void aWrongTokenGetsNoSocketsAndAnAbort() throws Exception
    {
        handoff = new HandoffServer(tmp);
        CompletableFuture<String> old = oldGeneration(offer(channels.listener()), () -> { });
        HandoffClient client = client("0".repeat(48), new InheritedListeners(Map.of(), ProcessHandle.current().pid(), false));
        newServer = server("new");
        assertThatThrownBy(() -> client.receive(newServer)).hasMessage("the previous generation refused the handoff: the successor presented a wrong handoff token");
        assertThat(old.get(10, TimeUnit.SECONDS)).isEqualTo("rolled back: the successor presented a wrong handoff token");
        assertThat(((ServerConnector)newServer.getConnectors()[0]).getTransport()).as("nothing adopted").isNull();
    }

    @Test
    void anAbortEndsTheWaitForTheSuccessor() throws Exception
    {
        handoff = new HandoffServer(tmp);
        CompletableFuture<String> old = oldGeneration(offer(channels.listener()), () -> { });
        // nobody connects: the abort (the ready timeout) wakes up the accept
        assertThat(handoff.abort("the successor (pid 7) was not ready within 1000 ms")).isTrue();
        assertThat(old.get(10, TimeUnit.SECONDS)).isEqualTo("rolled back: the successor (pid 7) was not ready within 1000 ms");
        assertThat(handoff.abort("second")).isFalse();
    }

    @Test
    void anAbortWhileTheSuccessorDeploysRollsBackAndTheSuccessorStops() throws Exception
    {
        handoff = new HandoffServer(tmp);
        CompletableFuture<String> old = oldGeneration(offer(channels.listener()), () -> { });
        HandoffClient client = client(handoff.token(), new InheritedListeners(Map.of(), ProcessHandle.current().pid(), false));
        newServer = server("new");
        client.receive(newServer);
        handoff.abort("the successor (pid 7) was not ready within 1000 ms");
        assertThat(old.get(10, TimeUnit.SECONDS)).isEqualTo("rolled back: the successor (pid 7) was not ready within 1000 ms");
        // the predecessor (this JVM) is alive and gave no COMMIT: the successor must not serve
        assertThatThrownBy(client::ready).isInstanceOf(IOException.class);
    }

    @Test
    void anAbortThatRacesWithReadyWinsWhenItComesFirst() throws Exception
    {
        handoff = new HandoffServer(tmp);
        CompletableFuture<String> old = oldGeneration(offer(channels.listener()),
            () -> assertThat(handoff.abort("the successor (pid 7) was not ready within 1000 ms")).isTrue());
        HandoffClient client = client(handoff.token(), new InheritedListeners(Map.of(), ProcessHandle.current().pid(), false));
        newServer = server("new");
        client.receive(newServer);
        assertThatThrownBy(client::ready).isInstanceOf(IOException.class).hasMessageContaining("gave no decision");
        assertThat(old.get(10, TimeUnit.SECONDS)).isEqualTo("rolled back: the successor (pid 7) was not ready within 1000 ms");
    }
}
