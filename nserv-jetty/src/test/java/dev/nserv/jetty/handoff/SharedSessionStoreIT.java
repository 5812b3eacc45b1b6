package dev.nserv.jetty.handoff;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import dev.nserv.jetty.session.PostgresCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.nserv.jetty.handoff.NservProcesses.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two independent nserv servers (two first generations of the real nserv.jar on two ports) sharing one PostgreSQL
 * session store ({@code --session-store jdbc:postgresql://...}, a throwaway cluster started by the test): one
 * {@code /counter} client alternating its requests between them keeps one session, every count the previous + 1,
 * across a {@code ctl restart} of each server and a stop and start of one of them.
 */
class SharedSessionStoreIT
{
    @TempDir
    Path tmp;

    private final NservProcesses a = new NservProcesses();
    private final NservProcesses b = new NservProcesses();
    private final NservProcesses c = new NservProcesses();
    private PostgresCluster database;
    private SessionCounters counters;

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            if (counters != null)
                counters.close();
            a.saveOutput("SharedSessionStoreIT-a");
            b.saveOutput("SharedSessionStoreIT-b");
            c.saveOutput("SharedSessionStoreIT-b2");
            a.close();
            b.close();
            c.close();
        }
        finally
        {
            if (database != null)
                database.close();
        }
    }

    @Test
    void oneSessionAcrossTwoServersTheirRestartsAndAStopAndStart() throws Exception
    {
        database = PostgresCluster.start();
        Path socketA = tmp.resolve("a.sock");
        Path socketB = tmp.resolve("b.sock");
        int portA = start(a, "a", socketA);
        int portB = start(b, "b", socketB);

        AtomicReference<int[]> ports = new AtomicReference<>(new int[]{portA, portB});
        counters = new SessionCounters(ports, 0, 1);
        awaitMore(40);

        restart(a, socketA);
        awaitMore(40);
        restart(b, socketB);
        awaitMore(40);

        // stop B (its clients go to A meanwhile), then start a new first generation on another port
        ports.set(new int[]{portA});
        awaitMore(4);
        NservProcesses.CtlResult stop = b.ctl("--socket", socketB.toString(), "stop");
        assertThat(stop.code).as(stop.toString()).isZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> b.livePids().isEmpty());
        awaitMore(20);
        int portB2 = start(c, "b2", tmp.resolve("b2.sock"));
        ports.set(new int[]{portA, portB2});
        awaitMore(40);
        counters.close();

        System.out.printf("nserv shared session store IT: %s; session %s; ports %d, %d, then %d%n", counters, counters.sessionIds(), portA, portB, portB2);
        assertThat(counters.problems()).as("resets, lost increments and failures").isEmpty();
        assertThat(counters.failed()).isZero();
        assertThat(counters.resets()).isZero();
        assertThat(counters.lostIncrements()).isZero();
        assertThat(counters.sessionIds()).doesNotContainNull();
        assertThat(counters.counted()).isEqualTo(counters.ok());
    }

    private int start(NservProcesses nserv, String name, Path socket) throws Exception
    {
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(),
            "--state-dir", tmp.resolve("state-" + name).toString(), "--session-store", database.url(), "--drain-timeout", "20s"));
        return nserv.awaitPort("http");
    }

    private void restart(NservProcesses nserv, Path socket)
    {
        NservProcesses.CtlResult result = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(result.code).as(result.toString()).isZero();
        assertThat(result.out).contains("generation 2 (pid ");
        await().atMost(Duration.ofSeconds(60)).until(() ->
        {
            NservProcesses.CtlResult status = nserv.ctl("--socket", socket.toString(), "status");
            return status.code == 0 && field(status.out, "generation").equals("2") && field(status.out, "restart").equals("idle");
        });
    }

    private void awaitMore(long requests)
    {
        long before = counters.ok() + counters.failed();
        await().atMost(Duration.ofSeconds(60)).until(() -> counters.ok() + counters.failed() >= before + requests);
    }
}
