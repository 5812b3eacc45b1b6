package dev.nserv.jetty.websocket;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.nserv.jetty.NservServer;
import jakarta.websocket.OnMessage;
import jakarta.websocket.server.ServerEndpoint;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.ee10.websocket.server.config.JettyWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class WebSocketCloserTest
{
    private NservServer nserv;
    private WebSocketCloser closer;
    private ServerConnector connector;
    private WebSocketClient client;

    /** Jakarta echo endpoint (public: the container instantiates it). */
    @ServerEndpoint("/jakarta")
    public static class JakartaEcho
    {
        @OnMessage
        public String echo(String text)
        {
            return text;
        }
    }

    /** Jetty API echo endpoint. */
    public static class JettyEcho implements Session.Listener.AutoDemanding
    {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session)
        {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String message)
        {
            session.sendText(message, Callback.NOOP);
        }
    }

    /** Client side: records the close code and when it came. */
    public static class Recorder implements Session.Listener.AutoDemanding
    {
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        final CompletableFuture<String> echo = new CompletableFuture<>();
        volatile long closedAtNanos;

        @Override
        public void onWebSocketText(String message)
        {
            echo.complete(message);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback)
        {
            closedAtNanos = System.nanoTime();
            closeCode.complete(statusCode);
            callback.succeed();
        }
    }

    private void start(boolean withCloser, long windowMs, long drainTimeoutMs) throws Exception
    {
        Server server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        JakartaWebSocketServletContainerInitializer.configure(context, (servletContext, container) -> container.addEndpoint(JakartaEcho.class));
        JettyWebSocketServletContainerInitializer.configure(context, (servletContext, container) ->
            container.addMapping("/jetty", (request, response) -> new JettyEcho()));
        nserv = new NservServer(server);
        nserv.setHandler(context);
        nserv.setDrainTimeout(drainTimeoutMs);
        if (withCloser)
        {
            closer = new WebSocketCloser(server);
            closer.setCloseWindow(windowMs);
            server.addBean(closer);
        }
        nserv.start();
        client = new WebSocketClient();
        client.start();
    }

    @AfterEach
    void tearDown() throws Exception
    {
        if (client != null)
            client.stop();
        if (nserv != null)
        {
            nserv.stop();
            nserv.awaitStopped(Duration.ofSeconds(60));
        }
    }

    private List<Recorder> connect(int count) throws Exception
    {
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            Recorder recorder = new Recorder();
            String path = i % 2 == 0 ? "/jakarta" : "/jetty";
            Session session = client.connect(recorder, URI.create("ws://127.0.0.1:" + connector.getLocalPort() + path)).get(10, TimeUnit.SECONDS);
            session.sendText("hello " + i, Callback.NOOP);
            assertThat(recorder.echo.get(10, TimeUnit.SECONDS)).isEqualTo("hello " + i);
            recorders.add(recorder);
        }
        return recorders;
    }

    @Test
    void findsTheSessionsOfBothApis() throws Exception
    {
        start(true, 1000, 30_000);
        connect(6);
        assertThat(closer.getOpenSessions()).isEqualTo(6);
    }

    @Test
    void closesEverySessionWithTheCodeSpreadOverTheWindow() throws Exception
    {
        start(true, 1000, 30_000);
        List<Recorder> recorders = connect(20);
        long started = System.nanoTime();
        int closed = closer.closeAll(WebSocketCloser.SERVICE_RESTART, "service restart").get(10, TimeUnit.SECONDS);
        assertThat(closed).isEqualTo(20);
        List<Long> offsetsMs = new ArrayList<>();
        for (Recorder recorder : recorders)
        {
            assertThat(recorder.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1012);
            offsetsMs.add(TimeUnit.NANOSECONDS.toMillis(recorder.closedAtNanos - started));
        }
        offsetsMs.sort(null);
        // 20 sessions over 1000 ms: one every 50 ms, the first at once and the last at 950 ms
        assertThat(offsetsMs.get(0)).isLessThan(300);
        assertThat(offsetsMs.get(19)).isBetween(800L, 2000L);
        assertThat(offsetsMs.get(10) - offsetsMs.get(0)).isGreaterThan(300);
        assertThat(closer.getOpenSessions()).isZero();
        // a second call joins the first: no 1001 after a 1012
        assertThat(closer.closeAll(WebSocketCloser.GOING_AWAY, "x").get(1, TimeUnit.SECONDS)).isEqualTo(20);
    }

    @Test
    void gracefulStopClosesWithGoingAwayAndEndsWithoutTheDrainTimeout() throws Exception
    {
        start(true, 500, 20_000);
        List<Recorder> recorders = connect(10);
        long started = System.nanoTime();
        nserv.stop();
        assertThat(nserv.awaitStopped(Duration.ofSeconds(15))).isTrue();
        long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        for (Recorder recorder : recorders)
            assertThat(recorder.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1001);
        assertThat(stopMs).as("stop took %d ms", stopMs).isLessThan(5_000);
    }

    @Test
    void anOpenWebSocketIsNoRequestInFlight() throws Exception
    {
        // measured: the upgrade request has ended once the WebSocket is open; the drain does not count it
        start(true, 1000, 30_000);
        connect(2);
        assertThat(nserv.getDrainHandler().getRequestsInFlight()).isZero();
    }

    @Test
    void withoutTheCloserJettyClosesEveryBusySessionAtOnceWith1001() throws Exception
    {
        // the reference: Jetty's own graceful shutdown (SessionTracker) at the start of Server.stop()
        start(false, 0, 20_000);
        List<Recorder> recorders = connect(4);
        long started = System.nanoTime();
        nserv.stop();
        assertThat(nserv.awaitStopped(Duration.ofSeconds(30))).isTrue();
        long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        for (Recorder recorder : recorders)
            assertThat(recorder.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1001);
        System.out.println("stop without closer: " + stopMs + " ms");
    }

    @Test
    void aSessionOpenedWhileClosingIsClosedAtOnceWithTheSameCode() throws Exception
    {
        start(true, 1000, 30_000);
        assertThat(closer.closeAll(WebSocketCloser.SERVICE_RESTART, "restart").get(10, TimeUnit.SECONDS)).isZero();
        for (String path : List.of("/jakarta", "/jetty"))
        {
            Recorder late = new Recorder();
            client.connect(late, URI.create("ws://127.0.0.1:" + connector.getLocalPort() + path)).get(10, TimeUnit.SECONDS);
            assertThat(late.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1012);
        }
    }

    @Test
    void refusesABadWindow()
    {
        WebSocketCloser bad = new WebSocketCloser(new Server());
        assertThatThrownBy(() -> bad.setCloseWindow(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> bad.setCloseWindow(60_001)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("60000");
        bad.setCloseWindow(0);
        assertThat(bad.getCloseWindow()).isZero();
    }

    @Test
    void aZeroWindowClosesAtOnce() throws Exception
    {
        start(true, 0, 30_000);
        List<Recorder> recorders = connect(4);
        closer.closeAll(WebSocketCloser.GOING_AWAY, "bye").get(10, TimeUnit.SECONDS);
        for (Recorder recorder : recorders)
            assertThat(recorder.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1001);
        await().atMost(Duration.ofSeconds(5)).until(() -> closer.getOpenSessions() == 0);
    }
}
