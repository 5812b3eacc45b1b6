package dev.nserv.filter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import jakarta.servlet.AsyncContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The filters in two real containers, embedded Jetty 12 (ee10) and embedded Tomcat 11, over real sockets on
 * 127.0.0.1. Every test runs once per container.
 */
class ServletContainersTest
{
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    private final TestApp.Probe probe = new TestApp.Probe();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
        .connectTimeout(Duration.ofSeconds(10)).build();
    private TestContainer container;

    @AfterEach
    void tearDown() throws Exception
    {
        probe.gate.countDown();
        AsyncContext parked;
        while ((parked = probe.parked.poll()) != null)
        {
            try
            {
                parked.complete();
            }
            catch (IllegalStateException e)
            {
                // already completed or timed out
            }
        }
        try
        {
            if (container != null)
                container.close();
        }
        finally
        {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private TestContainer start(TestContainer.Kind kind, TestApp... apps) throws Exception
    {
        container = TestContainer.start(kind, List.of(apps));
        assertThat(container.failedToStart()).as(container.failure()).isFalse();
        return container;
    }

    private TestApp app(String contextPath)
    {
        return new TestApp(contextPath, probe);
    }

    private static ObjectName limiterName(String name) throws Exception
    {
        return Mocks.mbean("ConcurrencyLimit", name);
    }

    private int attribute(ObjectName name, String attribute) throws Exception
    {
        return ((Number)mbeans.getAttribute(name, attribute)).intValue();
    }

    private CompletableFuture<HttpResponse<String>> send(String path)
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + container.port() + path)).timeout(WAIT).GET().build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception
    {
        return send(path).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** One request on its own connection; returns the status line and headers, lower-cased names. */
    private String rawHead(String path) throws IOException
    {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), container.port()))
        {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            int c;
            while ((c = in.read()) != -1)
            {
                head.append((char)c);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n"))
                    break;
            }
            return head.toString().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void exactlyTheLimitRunsUnder200ConcurrentClients(TestContainer.Kind kind) throws Exception
    {
        String name = "it-exact-" + kind;
        start(kind, app("").filter("limit", ConcurrencyLimitFilter.class, Map.of("limit", "10", "limiter-name", name, "retry-after-seconds", "3")));
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 200; i++)
            responses.add(send("/hold"));
        ObjectName mbean = limiterName(name);
        await().atMost(WAIT).until(() -> attribute(mbean, "Total") == 200);
        await().atMost(WAIT).until(() -> responses.stream().filter(CompletableFuture::isDone).count() == 190);
        assertThat(probe.entered.get()).isEqualTo(10);
        assertThat(attribute(mbean, "InFlight")).isEqualTo(10);
        assertThat(attribute(mbean, "Rejected")).isEqualTo(190);
        for (CompletableFuture<HttpResponse<String>> f : responses)
        {
            if (f.isDone())
            {
                assertThat(f.get().statusCode()).isEqualTo(503);
                assertThat(f.get().headers().firstValue("Retry-After")).hasValue("3");
            }
        }
        probe.gate.countDown();
        long ok = 0;
        for (CompletableFuture<HttpResponse<String>> f : responses)
            ok += f.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode() == 200 ? 1 : 0;
        assertThat(ok).isEqualTo(10);
        assertThat(probe.maxActive.get()).isEqualTo(10);
        await().atMost(WAIT).until(() -> attribute(mbean, "InFlight") == 0);
        assertThat(attribute(mbean, "Accepted")).isEqualTo(10);
    }

    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void anAsyncRequestHoldsItsPermitUntilItCompletes(TestContainer.Kind kind) throws Exception
    {
        String name = "it-async-" + kind;
        start(kind, app("").filter("limit", ConcurrencyLimitFilter.class, Map.of("limit", "1", "limiter-name", name, "reject-status", "429")));
        ObjectName mbean = limiterName(name);
        CompletableFuture<HttpResponse<String>> async = send("/async");
        AsyncContext parked = probe.parked.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(parked).isNotNull();
        // the servlet returned long ago; the request is still in flight
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> attribute(mbean, "InFlight") == 1);
        HttpResponse<String> rejected = get("/fast");
        assertThat(rejected.statusCode()).isEqualTo(429);
        assertThat(rejected.headers().firstValue("Retry-After")).hasValue("1");
        parked.getResponse().getOutputStream().write("completed\n".getBytes(StandardCharsets.US_ASCII));
        parked.complete();
        assertThat(async.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> attribute(mbean, "InFlight") == 0);
        assertThat(get("/fast").statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void timeoutsErrorsAndDisconnectsGiveThePermitBack(TestContainer.Kind kind) throws Exception
    {
        String name = "it-release-" + kind;
        start(kind, app("").filter("limit", ConcurrencyLimitFilter.class, Map.of("limit", "1", "limiter-name", name)));
        ObjectName mbean = limiterName(name);
        // asynchronous timeout: the container ends the request, the listener releases the permit
        HttpResponse<String> timedOut = get("/async?timeout=200");
        assertThat(timedOut.statusCode()).isGreaterThanOrEqualTo(500);
        await().atMost(WAIT).until(() -> attribute(mbean, "InFlight") == 0);
        // an exception from the servlet
        assertThat(get("/fail").statusCode()).isEqualTo(500);
        await().atMost(WAIT).until(() -> attribute(mbean, "InFlight") == 0);
        // a client that disconnects while its request runs and the servlet writes a large body
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), container.port()))
        {
            socket.getOutputStream().write("GET /hold?bytes=33554432 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            await().atMost(WAIT).until(() -> probe.entered.get() == 1);
        }
        probe.gate.countDown();
        await().atMost(WAIT).until(() -> attribute(mbean, "InFlight") == 0);
        assertThat(get("/fast").statusCode()).isEqualTo(200);
        assertThat(attribute(mbean, "Rejected")).isZero();
    }

    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void theLimitChangesAtRuntimeThroughJmx(TestContainer.Kind kind) throws Exception
    {
        String name = "it-jmx-" + kind;
        start(kind, app("").filter("limit", ConcurrencyLimitFilter.class, Map.of("limit", "1", "limiter-name", name)));
        ObjectName mbean = limiterName(name);
        CompletableFuture<HttpResponse<String>> first = send("/hold");
        await().atMost(WAIT).until(() -> probe.entered.get() == 1);
        assertThat(get("/hold").statusCode()).isEqualTo(503);
        mbeans.setAttribute(mbean, new Attribute("Limit", 3));
        CompletableFuture<HttpResponse<String>> second = send("/hold");
        CompletableFuture<HttpResponse<String>> third = send("/hold");
        await().atMost(WAIT).until(() -> probe.entered.get() == 3);
        assertThat(get("/fast").statusCode()).isEqualTo(503);
        probe.gate.countDown();
        for (CompletableFuture<HttpResponse<String>> f : List.of(first, second, third))
            assertThat(f.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> attribute(mbean, "InFlight") == 0);
    }

    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void aProgrammaticallyRegisteredInstanceUsesItsSettingsAndInitParamOverrides(TestContainer.Kind kind) throws Exception
    {
        String name = "it-prog-" + kind;
        ConcurrencyLimitSettings settings = new ConcurrencyLimitSettings().setLimiterName(name).setLimit(1).setRejectStatus(429).setRetryAfterSeconds(2);
        start(kind, app("").filterInstance("limit", () -> new ConcurrencyLimitFilter(settings), Map.of("retry-after-seconds", "4")));
        CompletableFuture<HttpResponse<String>> held = send("/hold");
        await().atMost(WAIT).until(() -> probe.entered.get() == 1);
        HttpResponse<String> rejected = get("/fast");
        assertThat(rejected.statusCode()).isEqualTo(429);
        assertThat(rejected.headers().firstValue("Retry-After")).hasValue("4");
        assertThat(attribute(limiterName(name), "Limit")).isEqualTo(1);
        probe.gate.countDown();
        assertThat(held.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void anAimdLimitBacksOffOnSlowRequestsAndGrowsBackOnFastOnes(TestContainer.Kind kind) throws Exception
    {
        String name = "it-aimd-" + kind;
        start(kind, app("").filter("limit", ConcurrencyLimitFilter.class, Map.of("limiter-name", name, "adaptive", "aimd",
            "limit", "8", "min-limit", "2", "max-limit", "8", "aimd-backoff", "0.5", "latency-threshold-ms", "100")));
        ObjectName mbean = limiterName(name);
        CompletableFuture<HttpResponse<String>> first = send("/hold");
        CompletableFuture<HttpResponse<String>> second = send("/hold");
        await().atMost(WAIT).until(() -> probe.entered.get() == 2);
        // hold both past the latency threshold: each release then halves the limit (8 -> 4 -> 2)
        await().pollDelay(Duration.ofMillis(300)).atMost(WAIT).until(() -> attribute(mbean, "InFlight") == 2);
        probe.gate.countDown();
        assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(second.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> attribute(mbean, "InFlight") == 0);
        assertThat(attribute(mbean, "Limit")).isEqualTo(2);
        // fast requests while the (small) limit is in use grow it again
        await().atMost(WAIT).until(() -> get("/fast").statusCode() == 200 && attribute(mbean, "Limit") > 2);
        assertThat(attribute(mbean, "Limit")).isBetween(3, 8);
    }

    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void aQueuedRequestWaitsThenTimesOutOrIsAdmitted(TestContainer.Kind kind) throws Exception
    {
        String name = "it-queue-" + kind;
        start(kind, app("").filter("limit", ConcurrencyLimitFilter.class,
            Map.of("limit", "1", "limiter-name", name, "policy", "fifo", "queue-size", "5", "queue-timeout-ms", "300")));
        ObjectName mbean = limiterName(name);
        CompletableFuture<HttpResponse<String>> holder = send("/hold");
        await().atMost(WAIT).until(() -> probe.entered.get() == 1);
        long start = System.nanoTime();
        HttpResponse<String> timedOut = get("/fast");
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(timedOut.statusCode()).isEqualTo(503);
        assertThat(timedOut.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(waitedMs).as("waited for the queue timeout (generous bounds)").isBetween(250L, 15_000L);
        assertThat(attribute(mbean, "TimedOut")).isEqualTo(1);

        mbeans.setAttribute(mbean, new Attribute("Limit", 1));
        CompletableFuture<HttpResponse<String>> queued = send("/fast");
        await().atMost(WAIT).until(() -> attribute(mbean, "Queued") == 1 || queued.isDone());
        probe.gate.countDown();
        assertThat(holder.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        // the queued request either was admitted when the holder finished or timed out first: both are bounded
        int status = queued.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode();
        assertThat(status).isIn(200, 503);
        await().atMost(WAIT).until(() -> attribute(mbean, "InFlight") == 0 && attribute(mbean, "Queued") == 0);
    }

    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void aQueuedRequestIsAdmittedWhenThePermitFrees(TestContainer.Kind kind) throws Exception
    {
        String name = "it-admit-" + kind;
        start(kind, app("").filter("limit", ConcurrencyLimitFilter.class,
            Map.of("limit", "1", "limiter-name", name, "policy", "lifo", "queue-timeout-ms", "30000")));
        ObjectName mbean = limiterName(name);
        CompletableFuture<HttpResponse<String>> holder = send("/hold");
        await().atMost(WAIT).until(() -> probe.entered.get() == 1);
        CompletableFuture<HttpResponse<String>> queued = send("/fast");
        await().atMost(WAIT).until(() -> attribute(mbean, "Queued") == 1);
        assertThat(queued).isNotDone();
        probe.gate.countDown();
        assertThat(holder.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(queued.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(attribute(mbean, "Rejected")).isZero();
    }

    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void twoWebappsShareOneLimiterByName(TestContainer.Kind kind) throws Exception
    {
        String name = "it-shared-" + kind;
        Map<String, String> params = Map.of("limit", "2", "limiter-name", name);
        start(kind, app("/a").filter("limit", ConcurrencyLimitFilter.class, params), app("/b").filter("limit", ConcurrencyLimitFilter.class, params));
        ObjectName mbean = limiterName(name);
        CompletableFuture<HttpResponse<String>> a = send("/a/hold");
        CompletableFuture<HttpResponse<String>> b = send("/b/hold");
        await().atMost(WAIT).until(() -> probe.entered.get() == 2);
        assertThat(get("/a/fast").statusCode()).isEqualTo(503);
        assertThat(get("/b/fast").statusCode()).isEqualTo(503);
        assertThat(attribute(mbean, "InFlight")).isEqualTo(2);
        probe.gate.countDown();
        assertThat(a.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(b.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(get("/b/fast").statusCode()).isEqualTo(200);
        assertThat(LimiterRegistry.users(name)).isEqualTo(2);
        container.close();
        container = null;
        assertThat(mbeans.isRegistered(mbean)).as("unregistered when the last webapp left").isFalse();
    }

    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void badConfigurationFailsTheWebappStart(TestContainer.Kind kind) throws Exception
    {
        container = TestContainer.start(kind, List.of(app("/bad").filter("limit", ConcurrencyLimitFilter.class, Map.of("limit", "many"))));
        assertThat(container.failedToStart()).isTrue();
        assertThat(container.failure()).contains("init-param 'limit' has bad value 'many'");
    }

    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void drainClosesConnectionsFailsReadinessAndDestroyWaitsForRequests(TestContainer.Kind kind) throws Exception
    {
        String ctx = "/drain-" + kind.name().toLowerCase(java.util.Locale.ROOT);
        TestApp app = app(ctx)
            .filter("drain", DrainFilter.class, Map.of("readiness-path", "/app-readyz", "drain-timeout-ms", "30000"))
            .filter("limit", ConcurrencyLimitFilter.class, Map.of("limit", "100", "limiter-name", "it-drain-" + kind))
            .drainListener();
        start(kind, app);
        ObjectName drainMBean = Mocks.mbean("Drain", ctx.substring(1));
        assertThat(get(ctx + "/app-readyz").statusCode()).isEqualTo(200);
        assertThat(rawHead(ctx + "/fast")).doesNotContain("connection: close");

        // the nserv server's announcement: a context attribute
        app.context.setAttribute("dev.nserv.draining", Boolean.TRUE);
        HttpResponse<String> readiness = get(ctx + "/app-readyz");
        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(readiness.body()).isEqualTo("draining\n");
        String head = rawHead(ctx + "/fast");
        assertThat(head).startsWith("http/1.1 200").contains("connection: close");
        app.context.removeAttribute("dev.nserv.draining");
        assertThat(get(ctx + "/app-readyz").statusCode()).isEqualTo(200);

        // the JMX operation
        mbeans.invoke(drainMBean, "startDrain", null, null);
        assertThat(get(ctx + "/app-readyz").statusCode()).isEqualTo(503);
        mbeans.invoke(drainMBean, "cancelDrain", null, null);
        assertThat(get(ctx + "/app-readyz").statusCode()).isEqualTo(200);

        // the webapp's destruction waits for the request in flight
        CompletableFuture<HttpResponse<String>> inFlight = send(ctx + "/hold");
        await().atMost(WAIT).until(() -> probe.entered.get() == 1);
        DrainState state = DrainState.of(app.context);
        Future<?> stop = executor.submit(() ->
        {
            container.stopApp(app);
            return null;
        });
        await().atMost(WAIT).until(state::isDraining);
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> !stop.isDone());
        assertThat(state.getInFlight()).isEqualTo(1);
        probe.gate.countDown();
        HttpResponse<String> finished = inFlight.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(finished.statusCode()).isEqualTo(200);
        assertThat(finished.body()).isEqualTo("held\n");
        stop.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(state.getInFlight()).isZero();
        assertThat(mbeans.isRegistered(drainMBean)).isFalse();
    }

    private TestApp copy(String version)
    {
        return app("").version(version)
            .filter("drain", DrainFilter.class, Map.of("readiness-path", "/app-readyz", "drain-timeout-ms", "30000"))
            .filter("limit", ConcurrencyLimitFilter.class, Map.of("limit", "100"))
            .filter("shared", ConcurrencyLimitFilter.class, Map.of("limit", "100", "limiter-name", "it-redeploy-shared"))
            .drainListener();
    }

    private static int instance(ObjectName name)
    {
        return Integer.parseInt(name.getKeyProperty("instance"));
    }

    /**
     * A hot redeploy (Jetty starts the new context before it stops the old one) and Tomcat's parallel deployment:
     * two copies of one webapp, same context path, same filter and drain names, run side by side. Both start,
     * each has its own MBeans and its own drain, and draining then stopping the old copy leaves the new one
     * serving without Connection: close.
     */
    @ParameterizedTest
    @EnumSource(TestContainer.Kind.class)
    void twoCopiesOfOneWebappRunSideBySideAndDrainApart(TestContainer.Kind kind) throws Exception
    {
        TestApp old = copy("1");
        start(kind, old);
        assertThat(rawHead("/who")).startsWith("http/1.1 200").contains("x-app: 1").doesNotContain("connection: close");
        ObjectName oldDrain = Mocks.mbean("Drain", "ROOT");
        ObjectName oldLimit = Mocks.mbean("ConcurrencyLimit", "ROOT.limit");

        TestApp fresh = copy("2");
        container.deploy(fresh);
        java.util.Set<ObjectName> drains = Mocks.mbeans("Drain", "ROOT");
        java.util.Set<ObjectName> limits = Mocks.mbeans("ConcurrencyLimit", "ROOT.limit");
        assertThat(drains).as("one drain MBean per copy").hasSize(2).contains(oldDrain);
        assertThat(limits).as("one limiter per copy").hasSize(2).contains(oldLimit);
        ObjectName freshDrain = drains.stream().filter(n -> !n.equals(oldDrain)).findFirst().orElseThrow();
        ObjectName freshLimit = limits.stream().filter(n -> !n.equals(oldLimit)).findFirst().orElseThrow();
        assertThat(instance(freshDrain)).as("the newer copy has the higher instance").isGreaterThan(instance(oldDrain));
        assertThat(instance(freshLimit)).isGreaterThan(instance(oldLimit));
        ObjectName shared = Mocks.mbean("ConcurrencyLimit", "it-redeploy-shared");
        assertThat(LimiterRegistry.users("it-redeploy-shared")).as("a named limiter stays shared in one class loader, as documented").isEqualTo(2);

        // the limiters are apart: a limit set on the old copy leaves the new copy's alone
        mbeans.setAttribute(oldLimit, new Attribute("Limit", 50));
        assertThat(attribute(oldLimit, "Limit")).isEqualTo(50);
        assertThat(attribute(freshLimit, "Limit")).isEqualTo(100);

        // drain the old copy, through its MBean and the server's context attribute: the new copy does not drain
        mbeans.invoke(oldDrain, "startDrain", null, null);
        old.context.setAttribute("dev.nserv.draining", Boolean.TRUE);
        assertThat(mbeans.getAttribute(oldDrain, "Draining")).isEqualTo(true);
        assertThat(mbeans.getAttribute(freshDrain, "Draining")).isEqualTo(false);
        assertThat(DrainState.of(fresh.context).isDraining()).isFalse();
        // Tomcat sends new requests to the newest version, Jetty to the first context until it stops: whichever
        // copy answers, only the draining one closes the connection
        for (int i = 0; i < 3; i++)
        {
            String head = rawHead("/who");
            assertThat(head).startsWith("http/1.1 ");
            if (head.contains("x-app: 2"))
                assertThat(head).startsWith("http/1.1 200").doesNotContain("connection: close");
            else
                assertThat(head).contains("x-app: 1").contains("connection: close");
        }
        if (kind == TestContainer.Kind.TOMCAT)
            assertThat(rawHead("/who")).contains("x-app: 2");

        // stop the old copy: its destruction drains it, its MBeans go, the new copy's stay
        container.stopApp(old);
        assertThat(mbeans.isRegistered(oldDrain)).isFalse();
        assertThat(mbeans.isRegistered(oldLimit)).isFalse();
        assertThat(Mocks.mbean("Drain", "ROOT")).isEqualTo(freshDrain);
        assertThat(Mocks.mbean("ConcurrencyLimit", "ROOT.limit")).isEqualTo(freshLimit);
        assertThat(mbeans.isRegistered(shared)).as("the new copy still uses the shared limiter").isTrue();
        assertThat(LimiterRegistry.users("it-redeploy-shared")).isEqualTo(1);

        // the new copy serves, keeps connections open, and is ready
        for (int i = 0; i < 3; i++)
            assertThat(rawHead("/who")).startsWith("http/1.1 200").contains("x-app: 2").doesNotContain("connection: close");
        HttpResponse<String> who = get("/who");
        assertThat(who.statusCode()).isEqualTo(200);
        assertThat(who.body()).isEqualTo("2\n");
        HttpResponse<String> readiness = get("/app-readyz");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(readiness.body()).isEqualTo("ready\n");
        assertThat(mbeans.getAttribute(freshDrain, "Draining")).isEqualTo(false);
        await().atMost(WAIT).until(() -> attribute(freshLimit, "InFlight") == 0);
        assertThat(attribute(freshLimit, "Accepted")).as("the 4 requests after the stop, at least").isGreaterThanOrEqualTo(4);
        assertThat(attribute(freshLimit, "Rejected")).isZero();
    }
}
