package dev.nserv.jetty.handoff;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.nserv.jetty.handoff.NservProcesses.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP sessions of the real nserv.jar across 20 restarts under load: four {@code /counter} clients (two keep-alive,
 * two with a new connection per request), each with its own session, send requests back to back while
 * {@code ctl restart} runs 20 times, one restart after the other. The file session store lives in a temporary
 * {@code --state-dir}. Every answer must be the previous count + 1 in the same session: no reset, no lost increment,
 * no failed request.
 */
class SessionRestartIT
{
    private static final int RESTARTS = 20;

    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();
    private SessionCounters counters;

    @AfterEach
    void stop()
    {
        if (counters != null)
            counters.close();
        nserv.saveOutput("SessionRestartIT");
        nserv.close();
    }

    @Test
    void countersSurviveTwentyRestartsWithoutResetLossOrFailure() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        Path state = tmp.resolve("state");
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(),
            "--state-dir", state.toString(), "--drain-timeout", "20s"));
        int port = nserv.awaitPort("http");

        counters = new SessionCounters(new AtomicReference<>(new int[]{port}), 2, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> counters.ok() > 100);

        List<Long> servedBy = new ArrayList<>();
        for (int generation = 2; generation <= RESTARTS + 1; generation++)
        {
            NservProcesses.CtlResult result = nserv.ctl("--socket", socket.toString(), "restart");
            assertThat(result.code).as("restart to generation %d: %s", generation, result).isZero();
            assertThat(result.out).contains("generation " + generation + " (pid ");
            int expected = generation;
            // the next restart is accepted once the previous generation has drained and stopped
            await().atMost(Duration.ofSeconds(60)).until(() ->
            {
                NservProcesses.CtlResult status = nserv.ctl("--socket", socket.toString(), "status");
                return status.code == 0 && field(status.out, "generation").equals(Integer.toString(expected)) && field(status.out, "restart").equals("idle");
            });
            servedBy.add(Long.parseLong(field(nserv.ctl("--socket", socket.toString(), "status").out, "pid")));
            long before = counters.ok();
            await().atMost(Duration.ofSeconds(30)).until(() -> counters.ok() > before + 20);
        }
        counters.close();

        System.out.printf("nserv session restart IT: %d restarts, %s; sessions %s; generations' pids %s%n",
            RESTARTS, counters, counters.sessionIds(), servedBy);
        assertThat(counters.problems()).as("resets, lost increments and failures").isEmpty();
        assertThat(counters.failed()).isZero();
        assertThat(counters.resets()).isZero();
        assertThat(counters.lostIncrements()).isZero();
        assertThat(counters.sessionIds()).doesNotContainNull().doesNotHaveDuplicates();
        // every answer was previous + 1 from 1: the counts add up to the requests answered
        assertThat(counters.counted()).isEqualTo(counters.ok());
        assertThat(state.resolve("sessions")).isDirectory();
    }
}
