package dev.nserv.jetty;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What happens to connections during a stop: parked acceptors, {@code Connection: close} after a handoff, idle
 * connections closed after the grace once nothing is in flight, and a quiet request in flight never cut.
 */
class ConnectionDrainerTest
{
    @RegisterExtension
    final HeldRequestFixture fixture = new HeldRequestFixture();
    private final ExecutorService clients = fixture.clients;
    private final Server server = fixture.server;
    private final ServerConnector connector = fixture.connector;
    private DrainHandler drain;
    private ConnectionDrainer drainer;

    /**
     * Answers at once; on {@code /block} once the test releases it (a request quiet for as long as it takes); on
     * {@code /stream} a line every 200 ms until the test releases it (a busy connection).
     */
    private final class BlockingHandler extends Handler.Abstract
    {
        @Override
        public boolean handle(Request request, Response response, Callback callback)
        {
            String path = Request.getPathInContext(request);
            if (!path.equals("/block") && !path.equals("/stream"))
            {
                response.write(true, HeldRequestFixture.bytes("ok\n"), callback);
                return true;
            }
            long tickMs = path.equals("/stream") ? 200 : 30_000;
            fixture.holding();
            clients.execute(() ->
            {
                try
                {
                    for (int ticks = 0; !fixture.awaitRelease(tickMs); ticks++)
                    {
                        if (ticks == 150)
                            throw new IllegalStateException("never released");
                        FutureCallback written = new FutureCallback();
                        response.write(false, HeldRequestFixture.bytes("tick\n"), written);
                        written.get(5, TimeUnit.SECONDS);
                    }
                    response.write(true, HeldRequestFixture.bytes("released\n"), callback);
                }
                catch (Exception x)
                {
                    callback.failed(x);
                }
            });
            return true;
        }
    }

    @BeforeEach
    void start() throws Exception
    {
        drain = new DrainHandler(new BlockingHandler());
        server.setHandler(drain);
        drainer = new ConnectionDrainer(server, drain);
        server.addBean(drainer, true);
        server.setStopTimeout(30_000);
        server.start();
    }

    @Test
    void startDisablesJettysShutdownIdleTimeout()
    {
        assertThat(connector.getShutdownIdleTimeout()).isEqualTo(-1);
    }

    @Test
    void keptAliveConnectionGetsConnectionCloseAfterTheHandoffCall() throws Exception
    {
        try (RawHttp keptAlive = new RawHttp(connector.getLocalPort()))
        {
            RawHttp.Response before = keptAlive.get("/");
            assertThat(before.header("Connection")).isNull();

            long began = System.nanoTime();
            Future<Integer> busy = clients.submit(drainer::closeKeptAliveConnections);
            await().atMost(Duration.ofSeconds(5)).until(() -> !connector.isAccepting());

            RawHttp.Response after = keptAlive.get("/");
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.header("Connection")).isEqualTo("close");
            assertThat(keptAlive.isClosedByServer()).isTrue();
            assertThat(busy.get(10, TimeUnit.SECONDS)).as("no connection left busy").isZero();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began))
                .as("returns once the connection closed, before the 3 s wait").isLessThan(drainer.getKeepAliveCloseWait());
        }
    }

    @Test
    void handoffCallWaitsAtMostTheKeepAliveWaitForABusyConnection() throws Exception
    {
        Future<RawHttp.Response> held = fixture.holdOne("/stream");

        long began = System.nanoTime();
        assertThat(drainer.closeKeptAliveConnections()).as("the connection of the held request").isEqualTo(1);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began)).isGreaterThanOrEqualTo(drainer.getKeepAliveCloseWait());

        fixture.release();
        RawHttp.Response response = held.get(10, TimeUnit.SECONDS);
        assertThat(response.status()).isEqualTo(200);
        // committed before the call: it could not get Connection: close, and it ends whole
        assertThat(response.body()).startsWith("tick\n").endsWith("released\n");
    }

    @Test
    void idleConnectionIsClosedAfterTheGraceOnceNothingIsInFlightAndTheQuietRequestIsNotCut() throws Exception
    {
        try (RawHttp idle = new RawHttp(connector.getLocalPort()))
        {
            assertThat(idle.get("/").status()).isEqualTo(200);
            Future<RawHttp.Response> held = fixture.holdOne("/block");
            Future<?> stopped = fixture.stopInBackground();
            await().atMost(Duration.ofSeconds(10)).until(drainer::isShutdown);

            // Longer than the 1 s grace: the idle connection stays while a request is in flight, and the quiet
            // request is not cut by an idle timeout.
            await().during(Duration.ofMillis(2 * drainer.getIdleCloseGrace())).atMost(Duration.ofSeconds(10))
                .until(() -> connector.getConnectedEndPoints().size() == 2);

            long releasedAt = System.nanoTime();
            fixture.release();
            RawHttp.Response response = held.get(10, TimeUnit.SECONDS);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("released\n");
            assertThat(idle.isClosedByServer()).isTrue();
            stopped.get(10, TimeUnit.SECONDS);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releasedAt))
                .as("the stop ends with the idle close, not at the 30 s stop timeout").isLessThan(10_000);
        }
    }

    @Test
    void recentlyUsedConnectionIsClosedOnlyOnceIdleForTheGrace() throws Exception
    {
        drainer.setIdleCloseGrace(1500);
        try (RawHttp idle = new RawHttp(connector.getLocalPort()))
        {
            assertThat(idle.get("/").status()).isEqualTo(200);
            long usedAt = System.nanoTime();
            // Jetty finishes the exchange a moment after the client has read the response; a stop that begins before
            // that makes Jetty close the connection itself (not persistent while shutting down): wait it out first
            await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> drain.getRequestsInFlight() == 0);
            Future<?> stopped = fixture.stopInBackground();
            assertThat(idle.isClosedByServer()).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - usedAt)).isGreaterThanOrEqualTo(1400);
            stopped.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void parkedAcceptorLeavesNewConnectionsInTheBacklogUntilAcceptingResumes() throws Exception
    {
        drainer.parkAcceptors();
        assertThat(connector.isAccepting()).isFalse();

        // An acceptor already inside accept() when parked takes one more connection and serves it, then parks; so
        // the first connection may be served or may wait, and the second one waits in the kernel backlog.
        try (Socket first = sendGet(); Socket second = sendGet())
        {
            second.setSoTimeout(1000);
            assertThatThrownBy(second.getInputStream()::read).as("nobody accepts it while parked").isInstanceOf(SocketTimeoutException.class);

            connector.setAccepting(true);
            for (Socket socket : new Socket[] {first, second})
            {
                socket.setSoTimeout(10_000);
                assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
            }
        }
    }

    private Socket sendGet() throws Exception
    {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", connector.getLocalPort()), 5000);
        OutputStream out = socket.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    @Test
    void idleCloseGraceRefusesNegative()
    {
        assertThatThrownBy(() -> drainer.setIdleCloseGrace(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idleCloseGrace");
        assertThatThrownBy(() -> new ConnectionDrainer(server, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DrainHandler");
    }
}
