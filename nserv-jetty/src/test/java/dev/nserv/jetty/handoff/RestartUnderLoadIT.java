package dev.nserv.jetty.handoff;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.nserv.jetty.handoff.NservProcesses.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Zero-downtime restart of the real nserv.jar: 20 consecutive restarts, the first 5 under concurrent load from
 * new-connection-per-request and keep-alive clients, triggered by ctl, JMX and SIGHUP.
 */
class RestartUnderLoadIT
{
    private static final Pattern READY_AFTER = Pattern.compile("ready after (\\d+) ms");

    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();
    private HttpLoad load;

    @AfterEach
    void stop() throws Exception
    {
        if (load != null)
            load.close();
        nserv.saveOutput("RestartUnderLoadIT");
        nserv.close();
    }

    @Test
    void restartsKeepTheSocketFailNoRequestAndLeakNothing() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(), "--drain-timeout", "20s"));
        int port = nserv.awaitPort("http");
        List<Long> inodes = NservProcesses.listenInodes(port);
        assertThat(inodes).hasSize(1);
        long inode = inodes.get(0);

        load = new HttpLoad(port, 3, 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 100);

        List<Long> readyTimes = new ArrayList<>();
        for (int generation = 2; generation <= 6; generation++)
        {
            String trigger = generation == 5 ? "jmx" : generation == 6 ? "sighup" : "ctl";
            restart(socket, generation, trigger, port, inode, readyTimes);
            long before = load.ok();
            await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > before + 50);
        }
        load.close();
        assertThat(load.failures()).as("failed requests").isEmpty();
        assertThat(load.failed()).isZero();
        assertThat(load.servedBy()).as("pids that served").hasSizeGreaterThanOrEqualTo(6);

        // compare a generation started without load with the last one: both measured right after their start
        restart(socket, 7, "ctl", port, inode, readyTimes);
        long pidAt7 = Long.parseLong(field(status(socket), "pid"));
        int fdsAt7 = NservProcesses.fdTargets(pidAt7).size();
        int threadsAt7 = NservProcesses.threads(pidAt7);
        for (int generation = 8; generation <= 21; generation++)
            restart(socket, generation, "ctl", port, inode, readyTimes);
        long pidAt21 = Long.parseLong(field(status(socket), "pid"));
        int fdsAt21 = NservProcesses.fdTargets(pidAt21).size();
        int threadsAt21 = NservProcesses.threads(pidAt21);
        System.out.printf("nserv restart IT: %d requests ok, %d failed, %d kept-alive connections found closed before a request was written (not failures), over 5 restarts under load; " +
            "ready after ms (trigger to ready) %s; generation 7: %d fds %d threads; generation 21: %d fds %d threads%n",
            load.ok(), load.failed(), load.staleConnections(), readyTimes, fdsAt7, threadsAt7, fdsAt21, threadsAt21);
        assertThat(fdsAt21).as("open fds after 20 restarts vs after 6").isBetween(fdsAt7 - 2, fdsAt7 + 2);
        assertThat(threadsAt21).as("threads after 20 restarts vs after 6").isBetween(threadsAt7 - 6, threadsAt7 + 6);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(nserv.livePids()).as("nserv processes alive").containsExactly(pidAt21));
        // the successors' JIT compilers yielded after READY and were set back (at the limit, on a busy CPU, or at the stop)
        assertThat(nserv.outputText()).contains(ThreadNice.canLowerAgain(0) ? "JIT compiler back at nice 0" : "JIT compiler keeps its priority");
    }

    private String status(Path socket)
    {
        NservProcesses.CtlResult status = nserv.ctl("--socket", socket.toString(), "status");
        assertThat(status.code).as(status.toString()).isZero();
        return status.out;
    }

    private void restart(Path socket, int generation, String trigger, int port, long inode, List<Long> readyTimes) throws Exception
    {
        long oldPid = Long.parseLong(field(status(socket), "pid"));
        List<String> oldFds = NservProcesses.fdTargets(oldPid);
        String summary;
        switch (trigger)
        {
            case "jmx":
                try (Jmx jmx = new Jmx(oldPid))
                {
                    assertThat(jmx.attribute("generation")).isEqualTo(generation - 1);
                    summary = (String)jmx.invoke("restart");
                }
                break;
            case "sighup":
                int marks = nserv.output().size();
                new ProcessBuilder("kill", "-HUP", Long.toString(oldPid)).inheritIO().start().waitFor();
                String[] found = new String[1];
                await().atMost(Duration.ofSeconds(90)).until(() ->
                {
                    List<String> lines = nserv.output();
                    for (int i = marks; i < lines.size(); i++)
                    {
                        if (lines.get(i).contains("SIGHUP restart: "))
                        {
                            found[0] = lines.get(i);
                            return true;
                        }
                    }
                    return false;
                });
                summary = found[0];
                break;
            default:
                NservProcesses.CtlResult result = nserv.ctl("--socket", socket.toString(), "restart");
                assertThat(result.code).as(result.toString()).isZero();
                summary = result.out;
        }
        assertThat(summary).contains("generation " + generation + " (pid ");
        Matcher ready = READY_AFTER.matcher(summary);
        if (ready.find())
            readyTimes.add(Long.parseLong(ready.group(1)));

        // one or two generations: the next restart is accepted once the previous generation has stopped
        await().atMost(Duration.ofSeconds(60)).until(() ->
        {
            String status = status(socket);
            return field(status, "generation").equals(Integer.toString(generation)) && field(status, "restart").equals("idle");
        });
        String status = status(socket);
        assertThat(field(status, "state")).isEqualTo("ready");
        assertThat(status).contains("inode " + inode).contains("handed off by generation " + (generation - 1));
        assertThat(NservProcesses.listenInodes(port)).as("one LISTEN socket, the same inode").containsExactly(inode);

        // the successor holds the listening socket and, of the old JVM's, nothing else but stdout and stderr
        long newPid = Long.parseLong(field(status, "pid"));
        List<String> newFds = NservProcesses.fdTargets(newPid);
        assertThat(newFds).contains("0 -> /dev/null");
        Set<String> shared = new HashSet<>(targets(newFds));
        shared.retainAll(targets(oldFds));
        Set<String> allowed = new HashSet<>(List.of("socket:[" + inode + "]"));
        for (String fd : oldFds)
        {
            if (fd.startsWith("1 -> ") || fd.startsWith("2 -> "))
                allowed.add(fd.substring(5));
        }
        // sockets and pipes are the kernel objects a process can share; paths (jars, /dev/null) are merely the same files
        shared.removeIf(target -> !target.startsWith("socket:") && !target.startsWith("pipe:"));
        assertThat(allowed).as("shared with the old generation: %s", shared).containsAll(shared);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(nserv.livePids()).as("processes: only generation %d (%s)", generation, NservProcesses.describe(newPid)).containsExactly(newPid));
    }

    private static List<String> targets(List<String> fds)
    {
        List<String> targets = new ArrayList<>();
        for (String fd : fds)
            targets.add(fd.substring(fd.indexOf(" -> ") + 4));
        return targets;
    }
}
