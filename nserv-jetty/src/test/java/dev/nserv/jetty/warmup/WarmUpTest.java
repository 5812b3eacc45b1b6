package dev.nserv.jetty.warmup;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import dev.nserv.jetty.NservServer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WarmUpTest
{
    private static final Instant FAR = Instant.now().plus(Duration.ofHours(1));

    private final Server server = new Server();
    private final ContextHandlerCollection contexts = new ContextHandlerCollection();
    /** Hits per "METHOD context-path servlet-path", with the warm-up header's value and the cookies seen. */
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final List<String> headers = new CopyOnWriteArrayList<>();
    /** The local port of each request ({@code 0} in-process) and the server's connectors as it was served. */
    private final List<Integer> localPorts = new CopyOnWriteArrayList<>();
    private final List<Integer> connectorCounts = new CopyOnWriteArrayList<>();
    private final AtomicInteger sessionsCreated = new AtomicInteger();
    private final AtomicInteger sessionsDestroyed = new AtomicInteger();

    @BeforeEach
    void setUp()
    {
        server.setHandler(contexts);
    }

    @AfterEach
    void tearDown() throws Exception
    {
        server.stop();
    }

    private final class Counting extends HttpServlet
    {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final boolean session;
        private final long sleepMs;

        Counting(int status, boolean session, long sleepMs)
        {
            this.status = status;
            this.session = session;
            this.sleepMs = sleepMs;
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            hits.computeIfAbsent(request.getMethod() + " " + request.getContextPath() + request.getServletPath(), k -> new AtomicInteger()).incrementAndGet();
            headers.add(request.getHeader(WarmUp.HEADER) + "|" + request.getHeader("Cookie"));
            localPorts.add(request.getLocalPort());
            connectorCounts.add(server.getConnectors().length);
            if (session)
                request.getSession(true).setAttribute("seen", Boolean.TRUE);
            if (sleepMs > 0)
            {
                try
                {
                    Thread.sleep(sleepMs); // a slow page of the webapp under test, not a wait of the test
                }
                catch (InterruptedException x)
                {
                    Thread.currentThread().interrupt();
                }
            }
            response.setStatus(status);
            response.setContentType("text/plain");
            if (!request.getMethod().equals("HEAD"))
                response.getWriter().print("hello");
        }
    }

    private ServletContextHandler context(String path)
    {
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath(path);
        context.addServlet(new ServletHolder(new Counting(200, false, 0)), "/");
        context.addServlet(new ServletHolder(new Counting(200, false, 0)), "/count");
        context.addServlet(new ServletHolder(new Counting(500, false, 0)), "/fail");
        context.addServlet(new ServletHolder(new Counting(302, false, 0)), "/moved");
        context.addServlet(new ServletHolder(new Counting(200, true, 0)), "/session");
        context.addServlet(new ServletHolder(new Counting(200, false, 20)), "/slow");
        context.getSessionHandler().addEventListener(new HttpSessionListener()
        {
            @Override
            public void sessionCreated(HttpSessionEvent event)
            {
                sessionsCreated.incrementAndGet();
            }

            @Override
            public void sessionDestroyed(HttpSessionEvent event)
            {
                sessionsDestroyed.incrementAndGet();
            }
        });
        contexts.addHandler(context);
        return context;
    }

    private int hits(String key)
    {
        AtomicInteger count = hits.get(key);
        return count == null ? 0 : count.get();
    }

    private WarmUp warmUp(String paths, int requests, long timeMs)
    {
        WarmUp warmUp = new WarmUp(server);
        warmUp.setPaths(paths);
        warmUp.setRequests(requests);
        warmUp.setTime(timeMs);
        warmUp.setSettle(false); // exact counts; the settle rule has its own tests
        return warmUp;
    }

    @Test
    void eachPathIsRequestedNTimesInProcessWithTheHeaderAndNoCookie() throws Exception
    {
        context("/app");
        server.start();
        assertThat(server.getConnectors()).isEmpty(); // no socket at all

        WarmUp.Result result = warmUp("/app/count, /app/moved", 40, 30_000).warm(FAR);

        assertThat(hits("GET /app/count")).isEqualTo(40);
        assertThat(hits("GET /app/moved")).isEqualTo(40);
        assertThat(result).isEqualTo(new WarmUp.Result(80, 0, 2, result.elapsed(), "count"));
        assertThat(headers).hasSize(80).containsOnly("1|null");
        assertThat(server.getConnectors()).isEmpty(); // the local connector is gone again
    }

    @Test
    void theDefaultRequestsEachContextRootAndAContextNamesItsOwnPathsOrOptsOut() throws Exception
    {
        context("/a");
        context("/");
        ServletContextHandler own = context("/own");
        own.setInitParameter(WarmUp.PATHS_PARAMETER, "/count, HEAD /moved");
        ServletContextHandler out = context("/out");
        out.setAttribute(WarmUp.PATHS_PARAMETER, "none");
        ServletContextHandler self = context("/self");
        self.addEventListener(new jakarta.servlet.ServletContextListener()
        {
            @Override
            public void contextInitialized(jakarta.servlet.ServletContextEvent event)
            {
                event.getServletContext().setAttribute(WarmUp.PATHS_PARAMETER, "none"); // the webapp opts out itself
            }
        });
        server.start();

        WarmUp.Result result = warmUp(null, 25, 30_000).warm(FAR);

        assertThat(hits).containsOnlyKeys("GET /a/", "GET /", "GET /own/count", "HEAD /own/moved");
        assertThat(hits.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(25));
        assertThat(result.paths()).isEqualTo(4);
        assertThat(result.failed()).isZero();
    }

    @Test
    void serverPathsReplaceTheRootsButNotAContextsOwnPaths() throws Exception
    {
        context("/a");
        ServletContextHandler own = context("/own");
        own.setInitParameter(WarmUp.PATHS_PARAMETER, "/count");
        server.start();

        warmUp("/a/moved", 10, 30_000).warm(FAR);

        assertThat(hits).containsOnlyKeys("GET /a/moved", "GET /own/count");
    }

    @Test
    void aFailingPathIsLoggedAndCountedButNotFatal() throws Exception
    {
        context("/app");
        server.start();

        WarmUp.Result result = warmUp("/app/fail, /app/count, /app/missing/x.html", 30, 30_000).warm(FAR);

        assertThat(hits("GET /app/fail")).isEqualTo(30);
        assertThat(hits("GET /app/count")).isEqualTo(30);
        assertThat(result.requests()).isEqualTo(90);
        assertThat(result.failed()).isEqualTo(30); // the 500s; /missing/x.html is served by "/" (200)
        assertThat(result.stoppedBy()).isEqualTo("count");
    }

    @Test
    void failRollbackStopsAtTheFirstFailureAndThrows() throws Exception
    {
        context("/app");
        server.start();
        WarmUp warmUp = warmUp("/app/count, /app/fail, /app/moved", 30, 30_000);
        warmUp.setFailRollback(true);

        assertThatThrownBy(() -> warmUp.warm(FAR))
            .isInstanceOf(WarmUpFailedException.class)
            .hasMessage("warm-up failed: GET /app/fail answered 500");
        assertThat(hits("GET /app/count")).isEqualTo(1);
        assertThat(hits("GET /app/fail")).isEqualTo(1);
        assertThat(hits("GET /app/moved")).isZero();
    }

    @Test
    void theTimeBoundStopsItEarly() throws Exception
    {
        context("/app");
        server.start();

        WarmUp.Result result = warmUp("/app/slow", 1_000_000, 300).warm(FAR);

        assertThat(result.stoppedBy()).isEqualTo("time");
        assertThat(result.failed()).isZero(); // a request cut by the bound is not a failure
        assertThat(result.elapsed()).isLessThan(Duration.ofMillis(300 + 250)); // one 20 ms request may overrun
        assertThat(hits("GET /app/slow")).isBetween(1, 300 / 20 + 1);
    }

    @Test
    void theReadyDeadlineStopsItEarlierThanItsOwnTime() throws Exception
    {
        context("/app");
        server.start();

        WarmUp.Result result = warmUp("/app/slow", 1_000_000, 60_000).warm(Instant.now().plusMillis(200));

        assertThat(result.stoppedBy()).isEqualTo("ready timeout");
        assertThat(result.failed()).isZero();
        assertThat(result.elapsed()).isLessThan(Duration.ofMillis(200 + 250));
    }

    @Test
    void aDeadlineAlreadyPassedSendsNothing() throws Exception
    {
        context("/app");
        server.start();

        WarmUp.Result result = warmUp("/app/count", 10, 60_000).warm(Instant.now().minusSeconds(1));

        assertThat(result.requests()).isZero();
        assertThat(result.stoppedBy()).isEqualTo("ready timeout");
        assertThat(hits).isEmpty();
    }

    @Test
    void onlyGetAndHeadAreSent() throws Exception
    {
        WarmUp warmUp = new WarmUp(server);
        assertThatThrownBy(() -> warmUp.setPaths("/ok, POST /orders"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("warm-up sends only GET and HEAD, which are safe to repeat; 'POST /orders' is refused");
        assertThatThrownBy(() -> warmUp.setPaths("delete /x")).hasMessageContaining("'DELETE /x' is refused");
        assertThatThrownBy(() -> warmUp.setPaths("app/status")).hasMessageContaining("must start with a single '/'");
        assertThatThrownBy(() -> warmUp.setPaths("/a,,/b")).hasMessageContaining("empty warm-up path");
        assertThatThrownBy(() -> warmUp.setRequests(-1)).hasMessageContaining("was -1");
        assertThatThrownBy(() -> warmUp.setTime(-5)).hasMessageContaining("was -5 ms");
        assertThat(warmUp.getPaths()).isNull(); // unchanged by the refused values

        warmUp.setPaths("/a?x=1, head /b, GET /c");
        assertThat(warmUp.getPaths()).isEqualTo("GET /a?x=1, HEAD /b, GET /c");
        warmUp.setPaths("none");
        assertThat(warmUp.getPaths()).isEqualTo("none");

        context("/app");
        server.start();
        warmUp.setPaths("HEAD /app/count");
        warmUp.setRequests(5);
        assertThat(warmUp.warm(FAR).failed()).isZero();
        assertThat(hits).containsOnlyKeys("HEAD /app/count");
    }

    @Test
    void sessionsThatWarmUpRequestsCreateAreInvalidatedAtOnce() throws Exception
    {
        ServletContextHandler context = context("/app");
        server.start();

        warmUp("/app/session", 50, 30_000).warm(FAR);

        assertThat(hits("GET /app/session")).isEqualTo(50);
        assertThat(sessionsCreated.get()).isEqualTo(50);
        assertThat(sessionsDestroyed.get()).isEqualTo(50);
        assertThat(((org.eclipse.jetty.session.DefaultSessionCache)context.getSessionHandler().getSessionCache()).getSessionsCurrent()).isZero();
    }

    @Test
    void networkConnectorsDoNotAcceptDuringTheWarmUpAndDoAfterwards() throws Exception
    {
        ServerConnector http = new ServerConnector(server);
        http.setHost("127.0.0.1");
        http.setPort(0);
        server.addConnector(http);
        List<Boolean> acceptingDuringWarmUp = new CopyOnWriteArrayList<>();
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response)
            {
                acceptingDuringWarmUp.add(http.isAccepting());
            }
        }), "/");
        contexts.addHandler(context);
        server.start();
        assertThat(http.isAccepting()).isTrue();

        warmUp(null, 5, 30_000).warm(FAR);

        assertThat(acceptingDuringWarmUp).hasSize(5).containsOnly(false);
        assertThat(http.isAccepting()).isTrue();
    }

    @Test
    void aSuccessorAcceptsNoClientUntilItHasWarmedUp() throws Exception
    {
        NservServer nserv = new NservServer(server);
        nserv.setHandler(contexts);
        nserv.setGeneration(2);
        ServerConnector http = new ServerConnector(server);
        http.setHost("127.0.0.1");
        http.setPort(0);
        server.addConnector(http);
        context("/app");
        WarmUp warmUp = warmUp("/app/count", 20, 30_000);
        server.addBean(warmUp);
        server.start();

        assertThat(warmUp.isArmed()).isTrue();
        assertThat(http.isAccepting()).isFalse(); // parked before the connector started
        WarmUp.Result result = warmUp.beforeReady(FAR);

        assertThat(result.requests()).isEqualTo(20);
        assertThat(hits("GET /app/count")).isEqualTo(20);
        assertThat(http.isAccepting()).isTrue();
        assertThat(warmUp.beforeReady(FAR)).isNull(); // once
        assertThat(hits("GET /app/count")).isEqualTo(20);
    }

    @Test
    void theFirstGenerationNeitherParksNorWarmsUpByDefault() throws Exception
    {
        new NservServer(server).setHandler(contexts);
        ServerConnector http = new ServerConnector(server);
        http.setHost("127.0.0.1");
        http.setPort(0);
        server.addConnector(http);
        context("/app");
        WarmUp warmUp = warmUp("/app/count", 20, 30_000);
        server.addBean(warmUp);
        server.start();

        assertThat(warmUp.isArmed()).isFalse();
        assertThat(http.isAccepting()).isTrue();
        assertThat(warmUp.beforeReady(FAR)).isNull();
        assertThat(hits).isEmpty();
    }

    @Test
    void aFailedWarmUpWithRollbackStillLetsTheAcceptorsGo() throws Exception
    {
        NservServer nserv = new NservServer(server);
        nserv.setHandler(contexts);
        nserv.setGeneration(3);
        ServerConnector http = new ServerConnector(server);
        http.setHost("127.0.0.1");
        http.setPort(0);
        server.addConnector(http);
        context("/app");
        WarmUp warmUp = warmUp("/app/fail", 20, 30_000);
        warmUp.setFailRollback(true);
        server.addBean(warmUp);
        server.start();

        assertThatThrownBy(() -> warmUp.beforeReady(FAR)).isInstanceOf(WarmUpFailedException.class);
        assertThat(http.isAccepting()).isTrue();
    }

    @Test
    void firstStartIsOptInAndZeroTurnsItOff()
    {
        WarmUp warmUp = new WarmUp(server);
        assertThat(warmUp.appliesTo(true)).isTrue();
        assertThat(warmUp.appliesTo(false)).isFalse();
        warmUp.setFirstStart(true);
        assertThat(warmUp.appliesTo(false)).isTrue();
        warmUp.setRequests(0);
        assertThat(warmUp.appliesTo(true)).isFalse();
        warmUp.setRequests(10);
        warmUp.setTime(0);
        assertThat(warmUp.appliesTo(true)).isFalse();
    }

    @Test
    void theReadyDeadlineIsHalfTheTimeoutAfterTheJvmStart()
    {
        Instant jvmStart = Instant.ofEpochMilli(java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
        assertThat(WarmUp.readyDeadline(Duration.ofSeconds(60))).isEqualTo(jvmStart.plusSeconds(30));
        assertThat(WarmUp.readyDeadline(Duration.ofSeconds(5))).isEqualTo(jvmStart.plusMillis(2500));
    }

    private ServerConnector publicConnector()
    {
        ServerConnector http = new ServerConnector(server);
        http.setHost("127.0.0.1");
        http.setPort(0);
        server.addConnector(http);
        return http;
    }

    @Test
    void everyOtherRoundGoesOverAPrivateSocketThatIsClosedBeforeReadyAndThePublicPortSeesNone() throws Exception
    {
        NservServer nserv = new NservServer(server);
        nserv.setHandler(contexts);
        nserv.setGeneration(2);
        ServerConnector http = publicConnector();
        context("/app");
        WarmUp warmUp = warmUp("/app/count, HEAD /app/moved", 10, 30_000);
        assertThat(warmUp.isSocket()).isTrue(); // the default
        server.addBean(warmUp);
        server.start();
        int publicPort = http.getLocalPort();

        WarmUp.Result result = warmUp.beforeReady(FAR);

        assertThat(result).isEqualTo(new WarmUp.Result(20, 0, 2, result.elapsed(), "count"));
        assertThat(localPorts).hasSize(20).doesNotContain(publicPort);
        List<Integer> socketPorts = localPorts.stream().filter(port -> port > 0).distinct().toList();
        assertThat(socketPorts).hasSize(1); // one private connector
        assertThat(localPorts.stream().filter(port -> port > 0).count()).isEqualTo(10); // every other round
        assertThat(connectorCounts).containsOnly(1); // never added to the server
        assertThat(server.getConnectors()).containsExactly(http);
        assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", socketPorts.get(0)).close())
            .isInstanceOf(java.net.ConnectException.class); // closed before READY
        assertThat(http.isAccepting()).isTrue();
    }

    @Test
    void withoutTheSocketOptionOrANetworkConnectorAllGoInProcess() throws Exception
    {
        publicConnector();
        context("/app");
        server.start();
        WarmUp warmUp = warmUp("/app/count", 10, 30_000);
        warmUp.setSocket(false);

        warmUp.warm(FAR);

        assertThat(localPorts).hasSize(10).containsOnly(0);
    }

    @Test
    void aFailureOverThePrivateSocketIsLoggedAndCountedAndRollsBackOnlyWhenConfigured() throws Exception
    {
        publicConnector();
        context("/app");
        server.start();

        WarmUp.Result result = warmUp("/app/fail", 4, 30_000).warm(FAR);

        assertThat(result).isEqualTo(new WarmUp.Result(4, 4, 1, result.elapsed(), "count"));
        assertThat(localPorts.stream().filter(port -> port > 0).count()).isEqualTo(2);

        localPorts.clear();
        WarmUp rollback = warmUp("/app/count, /app/fail", 4, 30_000);
        rollback.setFailRollback(true);
        assertThatThrownBy(() -> rollback.warm(FAR))
            .isInstanceOf(WarmUpFailedException.class)
            .hasMessage("warm-up failed: GET /app/fail answered 500");
    }

    @Test
    void theSettleRuleStopsBeforeTheCountWhichStaysAnUpperBound() throws Exception
    {
        context("/app");
        server.start();
        WarmUp warmUp = warmUp("/app/count", 100_000, 30_000);
        warmUp.setSettle(true);

        WarmUp.Result result = warmUp.warm(FAR);

        assertThat(result.stoppedBy()).isEqualTo("settled");
        assertThat(result.requests()).isBetween(SettleRule.WINDOW * SettleRule.PATIENCE, 99_999);
        assertThat(result.failed()).isZero();

        WarmUp bounded = warmUp("/app/count", 10, 30_000);
        bounded.setSettle(true);
        WarmUp.Result few = bounded.warm(FAR);
        assertThat(few.stoppedBy()).isEqualTo("count"); // fewer than the rule needs
        assertThat(few.requests()).isEqualTo(10);
    }
}
