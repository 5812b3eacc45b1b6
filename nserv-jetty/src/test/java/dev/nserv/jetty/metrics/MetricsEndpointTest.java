package dev.nserv.jetty.metrics;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.RawHttp;
import dev.nserv.jetty.ThrottledServerConnector;
import dev.nserv.jetty.sockets.ListenerNames;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class MetricsEndpointTest
{
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger appRequests = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private NservServer nserv;
    private ThrottledServerConnector http;
    private MetricsEndpoint metrics;

    /** The webapp: counts what reaches it; {@code /hold} waits for {@link #release}. */
    private final class App extends Handler.Abstract
    {
        @Override
        public boolean handle(Request request, Response response, Callback callback)
        {
            appRequests.incrementAndGet();
            Runnable answer = () -> response.write(true, ByteBuffer.wrap("app\n".getBytes(StandardCharsets.US_ASCII)), callback);
            if (request.getHttpURI().getPath().equals("/hold"))
                CompletableFuture.runAsync(() ->
                {
                    try
                    {
                        release.await(20, TimeUnit.SECONDS);
                    }
                    catch (InterruptedException x)
                    {
                        Thread.currentThread().interrupt();
                    }
                    answer.run();
                });
            else
                answer.run();
            return true;
        }
    }

    private void start(int adminPort) throws Exception
    {
        Server server = new Server();
        http = new ThrottledServerConnector(server);
        http.setName("http");
        http.setHost("127.0.0.1");
        http.setPort(0);
        http.setMaxConnections(50);
        server.addConnector(http);
        nserv = new NservServer(server);
        nserv.setHandler(new App());
        metrics = new MetricsEndpoint(server);
        metrics.setPort(adminPort);
        server.addBean(metrics);
        nserv.start();
    }

    @AfterEach
    void tearDown() throws Exception
    {
        release.countDown();
        if (nserv != null)
        {
            nserv.stop();
            assertThat(nserv.awaitStopped(Duration.ofSeconds(30))).isTrue();
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception
    {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private PrometheusText scrape() throws Exception
    {
        HttpResponse<String> response = get(metrics.getLocalPort(), "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        return PrometheusText.parse(response.body());
    }

    @Test
    void metricsParseAndHaveEverySeriesWithItsValue() throws Exception
    {
        start(0);
        assertThat(metrics.getConnector().getHost()).isEqualTo("127.0.0.1");
        for (int i = 0; i < 5; i++)
            assertThat(get(http.getLocalPort(), "/").statusCode()).isEqualTo(200);

        PrometheusText text = scrape();
        assertThat(text.value("nserv_generation")).isEqualTo(1.0);
        assertThat(text.value("nserv_ready")).isEqualTo(1.0);
        assertThat(text.value("nserv_draining")).isEqualTo(0.0);
        assertThat(text.value("nserv_requests_in_flight")).isEqualTo(0.0);
        assertThat(text.value("nserv_connections_max{connector=\"http\"}")).isEqualTo(50.0);
        assertThat(text.value("nserv_connections_max{connector=\"admin\"}")).isEqualTo((double)AdminConnector.DEFAULT_MAX_CONNECTIONS);
        assertThat(text.value("nserv_connections_waiting{connector=\"http\"}")).isEqualTo(0.0);
        assertThat(text.value("nserv_connections_shed_total{connector=\"http\"}")).isEqualTo(0.0);
        assertThat(text.value("nserv_connections_accepted_total{connector=\"http\"}")).isGreaterThanOrEqualTo(1.0);
        assertThat(text.value("nserv_restarts_total{outcome=\"committed\"}")).isEqualTo(0.0);
        assertThat(text.value("nserv_restarts_total{outcome=\"rolled_back\"}")).isEqualTo(0.0);
        assertThat(text.value("nserv_restart_duration_seconds_count{outcome=\"committed\"}")).isEqualTo(0.0);
        assertThat(text.type("nserv_restarts_total")).isEqualTo("counter");
        assertThat(text.type("nserv_restart_duration_seconds")).isEqualTo("summary");
        assertThat(text.hasFamily("jvm_memory_used_bytes")).isTrue();
        assertThat(text.hasFamily("jvm_gc_pause_seconds_count") || text.hasFamily("jvm_gc_memory_allocated_bytes_total")).isTrue();
        assertThat(text.hasFamily("jetty_threads_busy")).isTrue();
        assertThat(text.hasFamily("jetty_threads_config_max")).isTrue();
        assertThat(text.hasFamily("jetty_connections_current_connections")).isTrue();
        assertThat(text.hasFamily("process_uptime_seconds")).isTrue();

        // a live limit change shows at the next scrape
        http.setMaxConnections(7);
        assertThat(scrape().value("nserv_connections_max{connector=\"http\"}")).isEqualTo(7.0);
        // a request held by the webapp is in flight, and its connection active
        CompletableFuture<HttpResponse<String>> held = client.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.getLocalPort() + "/hold")).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> Double.valueOf(1.0).equals(scrape().value("nserv_requests_in_flight")));
        assertThat(scrape().value("nserv_connections_active{connector=\"http\"}")).isGreaterThanOrEqualTo(1.0);
        release.countDown();
        assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> Double.valueOf(0.0).equals(scrape().value("nserv_requests_in_flight")));
    }

    @Test
    void theAdminPortServesOnlyMetricsAndProbesAndThePublicPortNoMetrics() throws Exception
    {
        start(0);
        int admin = metrics.getLocalPort();
        assertThat(admin).isPositive().isNotEqualTo(http.getLocalPort());
        assertThat(get(admin, "/readyz").body()).isEqualTo("ready\n");
        assertThat(get(admin, "/livez").body()).isEqualTo("alive\n");
        assertThat(get(admin, "/").statusCode()).isEqualTo(404);
        assertThat(get(admin, "/anything").statusCode()).isEqualTo(404);
        assertThat(appRequests).hasValue(0);
        // scrapes are not requests in flight and never reach the webapp
        scrape();
        assertThat(nserv.getDrainHandler().getRequestsHandled()).isZero();

        HttpResponse<String> publicMetrics = get(http.getLocalPort(), "/metrics");
        assertThat(publicMetrics.body()).isEqualTo("app\n").doesNotContain("nserv_generation");
        assertThat(appRequests).hasValue(1);
        assertThat(get(http.getLocalPort(), "/readyz").body()).isEqualTo("ready\n");
    }

    @Test
    void theAdminListenerIsNamedAndHandedOverLikeTheOthers() throws Exception
    {
        start(0);
        assertThat(ListenerNames.names(nserv.getServer())).containsExactly("http", AdminConnector.NAME);
    }

    @Test
    void aDrainingGenerationStillAnswersOnOpenAdminConnections() throws Exception
    {
        start(0);
        try (RawHttp admin = new RawHttp(metrics.getLocalPort()))
        {
            assertThat(admin.get("/metrics").status()).isEqualTo(200);
            CompletableFuture<HttpResponse<String>> held = client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.getLocalPort() + "/hold")).build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(10)).until(() -> nserv.getDrainHandler().getRequestsInFlight() == 1);
            nserv.stop();
            await().atMost(Duration.ofSeconds(10)).until(nserv::isDraining);
            RawHttp.Response during = admin.get("/metrics");
            assertThat(during.status()).isEqualTo(200);
            PrometheusText text = PrometheusText.parse(during.body());
            assertThat(text.value("nserv_draining")).isEqualTo(1.0);
            assertThat(text.value("nserv_ready")).isEqualTo(0.0);
            assertThat(text.value("nserv_requests_in_flight")).isEqualTo(1.0);
            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void filterLimitersAreReadThroughJmx() throws Exception
    {
        start(0);
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.nserv.filter:type=ConcurrencyLimit,name=test-limiter,instance=3");
        FakeLimiter limiter = new FakeLimiter();
        mbeans.registerMBean(new StandardMBean(limiter, FakeLimiterMBean.class), name);
        try
        {
            PrometheusText text = scrape();
            String labels = "{instance=\"3\",name=\"test-limiter\"}";
            assertThat(text.value("nserv_filter_limit" + labels)).isEqualTo(20.0);
            assertThat(text.value("nserv_filter_in_flight" + labels)).isEqualTo(4.0);
            assertThat(text.value("nserv_filter_queued" + labels)).isEqualTo(2.0);
            assertThat(text.value("nserv_filter_rejected_total" + labels)).isEqualTo(7.0);
            assertThat(text.value("nserv_filter_accepted_total" + labels)).isEqualTo(100.0);
            assertThat(text.value("nserv_filter_timed_out_total" + labels)).isEqualTo(1.0);
            assertThat(text.type("nserv_filter_rejected_total")).isEqualTo("counter");
            limiter.limit = 35;
            assertThat(scrape().value("nserv_filter_limit" + labels)).isEqualTo(35.0);
        }
        finally
        {
            mbeans.unregisterMBean(name);
        }
        assertThat(scrape().hasFamily("nserv_filter_limit")).isFalse();
    }

    @Test
    void theAdminPortMayNotBeAPublicPort() throws Exception
    {
        Server server = new Server();
        ThrottledServerConnector connector = new ThrottledServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        NservServer local = new NservServer(server);
        local.setHandler(new App());
        MetricsEndpoint endpoint = new MetricsEndpoint(server);
        server.addBean(endpoint);
        connector.open();
        int port = connector.getLocalPort();
        connector.setPort(port);
        endpoint.setPort(port);
        try
        {
            assertThatThrownBy(local::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("admin port " + port + " is also the port of connector '" + connector.getName() +
                    "'; the admin port must be a port of its own (choose another, or 0 for any free port)");
        }
        finally
        {
            connector.close();
            server.stop();
        }
    }

    @Test
    void badValuesAreOneClearError()
    {
        MetricsEndpoint endpoint = new MetricsEndpoint(new Server());
        assertThatThrownBy(() -> endpoint.setPort(70000)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("admin port must be from 0 to 65535 (0 picks a free port), was 70000");
        assertThatThrownBy(() -> endpoint.setPort(-1)).hasMessageContaining("was -1");
    }

    @Test
    void replacingTheHandlerAfterwardsFailsTheStart() throws Exception
    {
        Server server = new Server();
        MetricsEndpoint endpoint = new MetricsEndpoint(server);
        endpoint.setPort(0);
        server.addBean(endpoint);
        server.setHandler(new App());
        try
        {
            assertThatThrownBy(server::start).hasMessageContaining("the server's handler was replaced after the MetricsEndpoint was created");
        }
        finally
        {
            server.stop();
        }
    }

    /** The attributes of the filter's ConcurrencyLimit MBean that the metrics read. */
    public interface FakeLimiterMBean
    {
        int getLimit();

        int getInFlight();

        int getQueued();

        long getAccepted();

        long getRejected();

        long getTimedOut();
    }

    /** Stands for a limiter in another class loader: only its MBean is seen. */
    public static final class FakeLimiter implements FakeLimiterMBean
    {
        volatile int limit = 20;

        @Override
        public int getLimit()
        {
            return limit;
        }

        @Override
        public int getInFlight()
        {
            return 4;
        }

        @Override
        public int getQueued()
        {
            return 2;
        }

        @Override
        public long getAccepted()
        {
            return 100;
        }

        @Override
        public long getRejected()
        {
            return 7;
        }

        @Override
        public long getTimedOut()
        {
            return 1;
        }
    }
}
