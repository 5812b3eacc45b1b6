package dev.nserv.jetty;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class GracefulExitTest
{
    private final AtomicInteger started = new AtomicInteger();
    private final ExecutorService clients = Executors.newCachedThreadPool();
    private NservServer nserv;
    private ThrottledServerConnector connector;

    /** Answers after {@code ?ms=N} milliseconds, off the handler thread's stack via the scheduler. */
    private final class SlowHandler extends Handler.Abstract
    {
        @Override
        public boolean handle(Request request, Response response, Callback callback)
        {
            Fields query = Request.extractQueryParameters(request);
            long ms = query.get("ms") == null ? 0 : Long.parseLong(query.get("ms").getValue());
            started.incrementAndGet();
            Runnable answer = () -> response.write(true, ByteBuffer.wrap("done\n".getBytes(StandardCharsets.US_ASCII)), callback);
            if (ms == 0)
                answer.run();
            else
                request.getComponents().getScheduler().schedule(answer, ms, TimeUnit.MILLISECONDS);
            return true;
        }
    }

    private void start(long drainTimeoutMs, long preDrainDelayMs) throws Exception
    {
        Server server = new Server();
        connector = new ThrottledServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setName("http");
        server.addConnector(connector);
        nserv = new NservServer(server);
        nserv.setHandler(new ContextHandler(new SlowHandler(), "/"));
        nserv.setDrainTimeout(drainTimeoutMs);
        nserv.setPreDrainDelay(preDrainDelayMs);
        nserv.start();
    }

    @AfterEach
    void tearDown() throws Exception
    {
        clients.shutdownNow();
        if (nserv != null)
        {
            nserv.stop();
            nserv.skipPreDrainDelay();
            nserv.awaitStopped(Duration.ofSeconds(30));
        }
    }

    @Test
    void inFlightRequestsCompleteAndTheDrainEndsWithTheLastOne() throws Exception
    {
        start(30_000, 0);
        int port = connector.getLocalPort();
        List<Future<RawHttp.Response>> inFlight = new ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            inFlight.add(clients.submit(() ->
            {
                try (RawHttp http = new RawHttp(port))
                {
                    return http.get("/slow?ms=1500");
                }
            }));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 20);
        long stopAt = System.nanoTime();
        assertThat(nserv.stop()).isTrue();
        assertThat(nserv.stop()).as("second stop reports it was already stopping").isFalse();

        // The listener closes at once: new clients are refused, not queued.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
            assertThatThrownBy(() -> new RawHttp(port).close()).isInstanceOf(ConnectException.class));
        assertThat(nserv.isDraining()).isTrue();

        for (Future<RawHttp.Response> future : inFlight)
        {
            RawHttp.Response response = future.get(20, TimeUnit.SECONDS);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("done\n");
            assertThat(response.header("Connection")).isEqualTo("close");
        }
        assertThat(nserv.awaitStopped(Duration.ofSeconds(20))).isTrue();
        long stoppedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt);
        // Ends with the last request (~1.5 s), far from the 30 s drain timeout.
        assertThat(stoppedAfterMs).isLessThan(15_000);
        assertThat(nserv.getStopFailure()).isNull();
        assertThat(connector.getActiveConnections()).isZero();
    }

    @Test
    void keptAliveConnectionGetsConnectionCloseNot503DuringTheDrain() throws Exception
    {
        start(30_000, 0);
        int port = connector.getLocalPort();
        try (RawHttp keepAlive = new RawHttp(port))
        {
            RawHttp.Response first = keepAlive.get("/");
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("Connection")).isNull();

            // A slow request keeps the drain open while the kept-alive connection sends its next request.
            Future<RawHttp.Response> slow = clients.submit(() ->
            {
                try (RawHttp http = new RawHttp(port))
                {
                    return http.get("/slow?ms=3000");
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 2);
            nserv.stop();
            await().atMost(Duration.ofSeconds(5)).until(nserv::isDraining);

            RawHttp.Response second = keepAlive.get("/");
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.header("Connection")).isEqualTo("close");
            assertThat(keepAlive.isClosedByServer()).isTrue();
            assertThat(slow.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        assertThat(nserv.awaitStopped(Duration.ofSeconds(20))).isTrue();
    }

    @Test
    void readinessFlipsAtStopWhileLivenessAndServingContinueDuringThePreDrainDelay() throws Exception
    {
        start(30_000, 20_000);
        int port = connector.getLocalPort();
        try (RawHttp http = new RawHttp(port))
        {
            assertThat(http.get("/readyz").status()).isEqualTo(200);
            assertThat(http.get("/livez").status()).isEqualTo(200);
        }
        ContextHandler context = nserv.getServer().getDescendant(ContextHandler.class);
        assertThat(context.getAttribute(DrainHandler.DRAINING_ATTRIBUTE)).isNull();
        nserv.stop();
        assertThat(nserv.isReady()).isFalse();
        assertThat(context.getAttribute(DrainHandler.DRAINING_ATTRIBUTE)).as("webapps told at once, before the pre-drain delay").isEqualTo(Boolean.TRUE);
        try (RawHttp http = new RawHttp(port))
        {
            // Still accepting during the pre-drain delay: the load balancer is told first.
            assertThat(http.get("/readyz").status()).isEqualTo(503);
            assertThat(http.get("/livez").status()).isEqualTo(200);
            RawHttp.Response served = http.get("/");
            assertThat(served.status()).isEqualTo(200);
            assertThat(served.body()).isEqualTo("done\n");
        }
        assertThat(nserv.isDraining()).isFalse();
        nserv.skipPreDrainDelay();
        assertThat(nserv.awaitStopped(Duration.ofSeconds(20))).isTrue();
    }

    @Test
    void idleKeptAliveConnectionIsClosedAfterTheGraceAndTheDrainDoesNotWaitForTheTimeout() throws Exception
    {
        start(30_000, 0);
        try (RawHttp idle = new RawHttp(connector.getLocalPort()))
        {
            assertThat(idle.get("/").status()).isEqualTo(200);
            long stopAt = System.nanoTime();
            nserv.stop();
            assertThat(idle.isClosedByServer()).isTrue();
            assertThat(nserv.awaitStopped(Duration.ofSeconds(20))).isTrue();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt);
            assertThat(ms).as("closed after the 1 s idle grace, not at the 30 s drain timeout").isBetween(900L, 15_000L);
        }
    }

    @Test
    void drainTimeoutClosesWhatRemains() throws Exception
    {
        start(1_000, 0);
        int port = connector.getLocalPort();
        Future<Object> stuck = clients.submit(() ->
        {
            try (RawHttp http = new RawHttp(port))
            {
                return http.get("/slow?ms=60000");
            }
            catch (IOException closed)
            {
                return closed;
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 1);
        nserv.stop();
        assertThat(nserv.awaitStopped(Duration.ofSeconds(20))).isTrue();
        assertThat(stuck.get(20, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
    }

    @Test
    void jmxShutdownOperationStartsTheGracefulExitAndReportsASecondCall() throws Exception
    {
        start(30_000, 0);
        javax.management.MBeanServer platform = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        org.eclipse.jetty.jmx.MBeanContainer container = new org.eclipse.jetty.jmx.MBeanContainer(platform);
        nserv.getServer().addBean(container);
        try
        {
            javax.management.ObjectName pattern = new javax.management.ObjectName("dev.nserv.jetty:type=nservserver,*");
            javax.management.ObjectName name = platform.queryNames(pattern, null).stream()
                .filter(n -> n.equals(container.findMBean(nserv)))
                .findFirst().orElseThrow();
            assertThat(platform.getAttribute(name, "ready")).isEqualTo(Boolean.TRUE);
            assertThat(platform.getAttribute(name, "generation")).isEqualTo(1);
            assertThat(platform.invoke(name, "shutdown", null, null)).asString().startsWith("stopping gracefully");
            assertThat(platform.invoke(name, "shutdown", null, null)).isEqualTo("already stopping");
            assertThat(nserv.awaitStopped(Duration.ofSeconds(20))).isTrue();
        }
        finally
        {
            container.destroy();
        }
    }

    @Test
    void settersRefuseNonsense()
    {
        NservServer server = new NservServer(new Server());
        assertThatThrownBy(() -> server.setDrainTimeout(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("drainTimeout");
        assertThatThrownBy(() -> server.setPreDrainDelay(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("preDrainDelay");
        assertThatThrownBy(() -> server.getProbeHandler().setReadinessPath("ready z")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("readinessPath");
    }
}
