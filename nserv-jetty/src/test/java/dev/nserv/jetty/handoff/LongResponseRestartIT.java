package dev.nserv.jetty.handoff;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.nserv.jetty.handoff.NservProcesses.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A streaming response ({@code /stream?seconds=N}, one line a second) of the old generation across a restart, with
 * the real nserv.jar: it runs to its end while new requests reach the successor, and one longer than the drain timeout
 * is cut at about the drain timeout (the chunked response ends without its last chunk).
 */
class LongResponseRestartIT
{
    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();
    private final HttpClient http = new HttpClient();

    /** One streamed response: its lines as they arrive (with their times) and its outcome. */
    private static final class Stream implements Response.Listener
    {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<Long> lineNanos = new CopyOnWriteArrayList<>();
        final CompletableFuture<Result> result = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onContent(Response response, ByteBuffer content)
        {
            partial.append(StandardCharsets.UTF_8.decode(content));
            for (int newline = partial.indexOf("\n"); newline >= 0; newline = partial.indexOf("\n"))
            {
                lines.add(partial.substring(0, newline));
                lineNanos.add(System.nanoTime());
                partial.delete(0, newline + 1);
            }
        }

        @Override
        public void onComplete(Result done)
        {
            result.complete(done);
        }
    }

    @BeforeEach
    void startClient() throws Exception
    {
        http.setIdleTimeout(60_000);
        http.start();
    }

    @AfterEach
    void stop() throws Exception
    {
        http.stop();
        nserv.saveOutput("LongResponseRestartIT");
        nserv.close();
    }

    private Stream stream(int port, int seconds)
    {
        Stream stream = new Stream();
        http.newRequest("127.0.0.1", port).path("/stream?seconds=" + seconds).timeout(120, TimeUnit.SECONDS).send(stream);
        await().atMost(Duration.ofSeconds(30)).until(() -> !stream.lines.isEmpty());
        return stream;
    }

    private String home(int port) throws Exception
    {
        // a new connection each time: a kept-alive one could still be the old generation's
        return http.newRequest("127.0.0.1", port).path("/stream?seconds=1").headers(h -> h.put("Connection", "close"))
            .timeout(30, TimeUnit.SECONDS).send().getContentAsString();
    }

    @Test
    void aStreamRunsToItsEndOnTheOldGenerationWhileNewRequestsReachTheSuccessor() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString()));
        int port = nserv.awaitPort("http");
        long firstPid = nserv.first().orElseThrow().pid();
        Stream stream = stream(port, 6);

        NservProcesses.CtlResult restart = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(restart.code).as(restart.toString()).isZero();
        long successorPid = Long.parseLong(field(nserv.ctl("--socket", socket.toString(), "status").out, "pid"));
        assertThat(stream.result).as("the stream is still running after the commit").isNotDone();
        // new connections reach the successor; an acceptor of the old generation that was blocked in accept() at
        // the commit serves the one connection it gets next before it parks (one acceptor here: 2 cores)
        int servedByOld = 0;
        for (int i = 0; i < 5; i++)
        {
            String body = home(port);
            if (body.contains("pid=" + firstPid + " generation=1"))
                servedByOld++;
            else
                assertThat(body).contains("pid=" + successorPid + " generation=2");
        }
        assertThat(servedByOld).isLessThanOrEqualTo(1);
        assertThat(home(port)).contains("pid=" + successorPid + " generation=2");

        Result result = stream.result.get(30, TimeUnit.SECONDS);
        assertThat(result.isSucceeded()).as(String.valueOf(result.getFailure())).isTrue();
        assertThat(result.getResponse().getStatus()).isEqualTo(200);
        assertThat(stream.lines).hasSize(6);
        for (int i = 0; i < 6; i++)
            assertThat(stream.lines.get(i)).isEqualTo("line " + (i + 1) + "/6 pid=" + firstPid + " generation=1");
        assertThat(nserv.first().orElseThrow().waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aStreamLongerThanTheDrainTimeoutIsCutAtAboutTheDrainTimeout() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(),
            "--drain-timeout", "3s"));
        int port = nserv.awaitPort("http");
        Stream stream = stream(port, 20);

        NservProcesses.CtlResult restart = nserv.ctl("--socket", socket.toString(), "restart");
        long committed = System.nanoTime();
        assertThat(restart.code).as(restart.toString()).isZero();

        Result result = stream.result.get(60, TimeUnit.SECONDS);
        long cutMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - committed);
        System.out.println("LongResponseRestartIT: stream of 20 s cut " + cutMs + " ms after the commit with " +
            stream.lines.size() + " line(s), status " + result.getResponse().getStatus() + ", failure " + result.getFailure());
        assertThat(result.isFailed()).isTrue();
        assertThat(result.getResponse().getStatus()).isEqualTo(200);
        assertThat(stream.lines.size()).isBetween(2, 19);
        // the graceful stop starts after the keep-alive close wait (at most 3 s), then drains for 3 s
        assertThat(cutMs).isBetween(2_500L, 8_000L);
        assertThat(nserv.first().orElseThrow().waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
}
