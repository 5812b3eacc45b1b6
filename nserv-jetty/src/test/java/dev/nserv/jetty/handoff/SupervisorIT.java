package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.nserv.jetty.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.nserv.jetty.handoff.NservProcesses.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code --supervise} with the real nserv.jar: a generation killed with SIGKILL -- while it serves alone, and right
 * after a restart committed it -- is replaced on the same listening socket and no client is refused; SIGTERM to the
 * supervisor ends everything; a generation that cannot start is retried with a growing delay.
 */
class SupervisorIT
{
    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();
    private HttpLoad load;

    @AfterEach
    void stop()
    {
        if (load != null)
            load.close();
        nserv.saveOutput("SupervisorIT");
        nserv.close();
    }

    private Path privateDirectory() throws IOException
    {
        return Files.createDirectory(tmp.resolve("run"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    @Test
    void aKilledGenerationIsReplacedAndNoConnectionIsRefused() throws Exception
    {
        Path run = privateDirectory();
        Path socket = run.resolve("ctl.sock");
        Path pidFile = run.resolve("nserv.pid");
        Process supervisor = nserv.start(Map.of(), nserv.nserv("--supervise", "--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(),
            "--pid-file", pidFile.toString(), "--drain-timeout", "20s"));
        int port = nserv.awaitPort("http");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(pidFile) && Files.readString(pidFile).trim().equals(Long.toString(supervisor.pid())));
        long inode = NservProcesses.listenInodes(port).get(0);
        long first = servingPid(socket, 1);
        assertThat(ProcessHandle.of(first).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).contains(supervisor.pid());

        load = new HttpLoad(port, 3, 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 100);

        // 1: the first generation, the supervisor's own child, dies
        List<Long> killToServed = new ArrayList<>();
        killToServed.add(killAndProbe(first, port));
        long second = servingPid(socket, 2);
        long before = load.ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > before + 50);

        // 2: a restart from generation to generation, and its successor dies right after the commit
        NservProcesses.CtlResult restart = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(restart.code).as(restart.toString()).isZero();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("generation 3 \\(pid (\\d+)\\)").matcher(restart.out);
        assertThat(m.find()).as(restart.out).isTrue();
        long third = Long.parseLong(m.group(1));
        killToServed.add(killAndProbe(third, port));
        long fourth = servingPid(socket, 4);
        assertThat(fourth).isNotIn(first, second, third);
        long again = load.ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > again + 50);

        // 3: a generation reparented to the supervisor (its predecessor exited) dies
        restart = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(restart.code).as(restart.toString()).isZero();
        long fifth = servingPid(socket, 5);
        await().atMost(Duration.ofSeconds(40)).until(() -> !ProcessHandle.of(fourth).map(ProcessHandle::isAlive).orElse(false));
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(fifth).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L) == supervisor.pid());
        killToServed.add(killAndProbe(fifth, port));
        servingPid(socket, 6);
        long last = load.ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > last + 50);
        load.close();

        List<String> refused = load.failures().stream().filter(f -> f.toLowerCase().contains("refused")).toList();
        System.out.printf("nserv supervisor IT: %d requests ok, %d failed (requests in flight on a killed generation) over 3 kills: %s; kill -9 to the next served request (ms): %s; " +
            "supervisor RSS %d KiB%n", load.ok(), load.failed(), load.failures(), killToServed, rssKiB(supervisor.pid()));
        assertThat(refused).as("refused connections").isEmpty();
        // a request that a generation had accepted dies with it; at most one per client and kill
        assertThat(load.failed()).as("failed requests: %s", load.failures()).isLessThanOrEqualTo(6 * 3);
        assertThat(NservProcesses.listenInodes(port)).as("one LISTEN socket, the same inode").containsExactly(inode);
        assertThat(nserv.outputText()).contains("restarts after crashes: 3");
        assertThat(nserv.outputText()).doesNotContain("Exception in thread");

        // SIGTERM to the supervisor: a graceful exit of everything
        supervisor.destroy();
        assertThat(supervisor.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(supervisor.exitValue()).isZero();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(nserv.livePids()).as("nserv processes").isEmpty());
        assertThat(pidFile).doesNotExist();
        assertThat(NservProcesses.listenInodes(port)).isEmpty();
    }

    @Test
    void aGenerationThatCannotStartIsRetriedWithAGrowingDelay() throws Exception
    {
        Path run = privateDirectory();
        Path broken = tmp.resolve("broken.xml");
        Files.writeString(broken, "<?xml version=\"1.0\"?>\n<Configure id=\"Server\" class=\"org.eclipse.jetty.server.Server\"><Call name=\"noSuchMethodHere\"/></Configure>\n");
        Process supervisor = nserv.start(Map.of(), nserv.nserv("--supervise", "--host", "127.0.0.1", "--port", "0", "--control-socket", run.resolve("ctl.sock").toString(),
            "--config", broken.toString()));
        await().atMost(Duration.ofSeconds(90)).until(() -> nserv.outputText().contains("the next generation starts in 1000 ms"));
        String output = nserv.outputText();
        assertThat(output).contains("supervisor: generation 1 did not start").contains("generation 2 did not start")
            .contains("the next generation starts in 500 ms");
        assertThat(supervisor.isAlive()).isTrue();

        supervisor.destroy();
        assertThat(supervisor.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(supervisor.exitValue()).isZero();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(nserv.livePids()).as("nserv processes").isEmpty());
    }

    /** Kills a generation and times a new connection's request: it waits in the backlog until the next one serves. */
    private long killAndProbe(long pid, int port) throws Exception
    {
        long start = System.nanoTime();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        // SIGKILL takes effect asynchronously: a connection the dying process still accepted would be reset
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> deadOrZombie(pid));
        try (RawHttp http = new RawHttp(port))
        {
            RawHttp.Response response = http.get("/");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).doesNotContain("pid=" + pid);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static boolean deadOrZombie(long pid)
    {
        try
        {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        }
        catch (IOException gone)
        {
            return true;
        }
    }

    private long servingPid(Path socket, int generation)
    {
        String[] status = new String[1];
        await().atMost(Duration.ofSeconds(60)).until(() ->
        {
            NservProcesses.CtlResult result = nserv.ctl("--socket", socket.toString(), "status");
            status[0] = result.out;
            return result.code == 0 && field(result.out, "generation").equals(Integer.toString(generation)) && field(result.out, "restart").equals("idle");
        });
        return Long.parseLong(field(status[0], "pid"));
    }

    private static long rssKiB(long pid) throws IOException
    {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
        {
            if (line.startsWith("VmRSS:"))
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return -1;
    }
}
