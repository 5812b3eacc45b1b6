package dev.nserv.jetty.handoff;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.nserv.jetty.handoff.NservProcesses.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * WebSockets across a restart and a stop, with the real nserv.jar: 50 clients of the demo WAR's {@code /echo} are
 * closed with 1012 spread over the close window once the successor is ready, and each reconnects to the successor;
 * a plain stop closes them with 1001 and the process exits long before the drain timeout.
 */
class WebSocketRestartIT
{
    private static final int CLIENTS = 50;
    private static final long WINDOW_MS = 1000;

    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();
    private final WebSocketClient client = new WebSocketClient();

    /** Records the close code and its time; queues the echoes. */
    public static final class Recorder implements Session.Listener.AutoDemanding
    {
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        final BlockingQueue<String> echoes = new LinkedBlockingQueue<>();
        volatile long closedAtNanos;

        @Override
        public void onWebSocketText(String message)
        {
            echoes.add(message);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback)
        {
            closedAtNanos = System.nanoTime();
            closeCode.complete(statusCode);
            callback.succeed();
        }

        String echo(Session session, String text) throws InterruptedException
        {
            session.sendText(text, Callback.NOOP);
            return echoes.poll(30, TimeUnit.SECONDS);
        }

        /** @return the echo, or null when the server closed the session first */
        String echoOrClose(Session session, String text)
        {
            session.sendText(text, Callback.NOOP);
            await().atMost(Duration.ofSeconds(30)).until(() -> !echoes.isEmpty() || closeCode.isDone());
            return echoes.poll();
        }
    }

    @AfterEach
    void stop() throws Exception
    {
        client.stop();
        nserv.saveOutput("WebSocketRestartIT");
        nserv.close();
    }

    private List<Recorder> connect(int port, long expectedPid) throws Exception
    {
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++)
        {
            Recorder recorder = new Recorder();
            Session session = client.connect(recorder, URI.create("ws://127.0.0.1:" + port + "/echo")).get(30, TimeUnit.SECONDS);
            assertThat(recorder.echo(session, "c" + i)).isEqualTo("c" + i + " pid=" + expectedPid + " generation=1");
            recorders.add(recorder);
        }
        return recorders;
    }

    @Test
    void restartClosesEveryWebSocketWith1012OverTheWindowAndTheyReconnectToTheSuccessor() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(),
            "--websocket-close-window", WINDOW_MS + "ms"));
        int port = nserv.awaitPort("http");
        long firstPid = nserv.first().orElseThrow().pid();
        client.start();
        List<Recorder> recorders = connect(port, firstPid);

        long before = System.nanoTime();
        NservProcesses.CtlResult restart = nserv.ctl("--socket", socket.toString(), "restart");
        long ready = System.nanoTime();
        assertThat(restart.code).as(restart.toString()).isZero();
        long successorPid = Long.parseLong(field(nserv.ctl("--socket", socket.toString(), "status").out, "pid"));
        assertThat(successorPid).isNotEqualTo(firstPid);

        List<Long> afterReadyMs = new ArrayList<>();
        for (Recorder recorder : recorders)
        {
            assertThat(recorder.closeCode.get(30, TimeUnit.SECONDS)).isEqualTo(1012);
            assertThat(recorder.closedAtNanos).isGreaterThan(before);
            afterReadyMs.add(TimeUnit.NANOSECONDS.toMillis(recorder.closedAtNanos - ready));
        }
        afterReadyMs.sort(null);
        System.out.println("WebSocketRestartIT: ms from ctl restart's answer (successor ready) to each 1012 close: " + afterReadyMs);
        long first = afterReadyMs.get(0);
        long last = afterReadyMs.get(CLIENTS - 1);
        // ctl's answer comes just after COMMIT, when the closing starts: all within the window (and some slack)
        assertThat(last).as("last close after ready").isLessThan(WINDOW_MS + 700);
        assertThat(last - first).as("spread").isBetween(WINDOW_MS / 2, WINDOW_MS + 700);

        // each client reconnects, as a client does on 1012, and reaches the successor; the old generation's
        // acceptor may still take one connection, whose session it closes with 1012 at once (then try again)
        int retries = 0;
        for (int i = 0; i < CLIENTS; i++)
        {
            String echo = null;
            for (int attempt = 0; echo == null; attempt++)
            {
                assertThat(attempt).as("attempts of client " + i).isLessThan(3);
                Recorder again = new Recorder();
                Session session = client.connect(again, URI.create("ws://127.0.0.1:" + port + "/echo")).get(30, TimeUnit.SECONDS);
                echo = again.echoOrClose(session, "r" + i);
                if (echo == null)
                {
                    assertThat(again.closeCode.getNow(0)).isEqualTo(1012);
                    retries++;
                }
                session.close();
            }
            assertThat(echo).isEqualTo("r" + i + " pid=" + successorPid + " generation=2");
        }
        System.out.println("WebSocketRestartIT: reconnects closed at once by the old generation: " + retries);
        assertThat(retries).isLessThanOrEqualTo(4);
        assertThat(nserv.first().orElseThrow().waitFor(30, TimeUnit.SECONDS)).as("the old generation exits").isTrue();
    }

    @Test
    void plainStopClosesWith1001AndExitsLongBeforeTheDrainTimeout() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(),
            "--websocket-close-window", WINDOW_MS + "ms", "--drain-timeout", "30s"));
        int port = nserv.awaitPort("http");
        Process process = nserv.first().orElseThrow();
        client.start();
        List<Recorder> recorders = connect(port, process.pid());

        long before = System.nanoTime();
        NservProcesses.CtlResult stop = nserv.ctl("--socket", socket.toString(), "stop");
        assertThat(stop.code).as(stop.toString()).isZero();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long exitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
        List<Long> closeMs = new ArrayList<>();
        for (Recorder recorder : recorders)
        {
            assertThat(recorder.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1001);
            closeMs.add(TimeUnit.NANOSECONDS.toMillis(recorder.closedAtNanos - before));
        }
        closeMs.sort(null);
        System.out.println("WebSocketRestartIT: stop: 1001 closes at " + closeMs + " ms, process exited after " + exitMs + " ms");
        assertThat(closeMs.get(CLIENTS - 1) - closeMs.get(0)).as("spread").isBetween(WINDOW_MS / 2, WINDOW_MS + 700);
        assertThat(exitMs).as("exit after ctl stop, drain timeout 30 s").isLessThan(10_000);
        assertThat(process.exitValue()).isZero();
    }
}
