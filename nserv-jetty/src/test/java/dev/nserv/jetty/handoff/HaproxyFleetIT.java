package dev.nserv.jetty.handoff;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.nserv.jetty.handoff.NservProcesses.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real nserv.jar instances behind one HAProxy (the Debian package, started by the test in the foreground with
 * the repository's {@code docs/fleet/haproxy.cfg}), under strict load through HAProxy from new-connection and
 * keep-alive clients, while both instances are rolled one after the other: by {@code ctl restart} (same socket, no
 * HAProxy involvement needed) and by stop-then-start maintenance (SIGTERM with {@code --pre-drain-delay 1s}, so
 * {@code /readyz} answers 503 and HAProxy's checks take the instance out before it stops accepting; a new process
 * on the same port). Every failed request fails the test; HAProxy missing fails it too (CI installs it).
 */
class HaproxyFleetIT
{
    private static final String[] FLAGS = {"--host", "127.0.0.1", "--pre-drain-delay", "1s", "--drain-timeout", "20s"};

    @TempDir
    Path tmp;

    private final List<Instance> instances = new ArrayList<>();
    private Haproxy haproxy;
    private HttpLoad load;

    /** One nserv instance of the fleet: its processes, control socket and port. */
    private final class Instance
    {
        final String name;
        final NservProcesses processes = new NservProcesses();
        final Path socket;
        Process process;
        int port;

        Instance(String name)
        {
            this.name = name;
            this.socket = tmp.resolve(name + ".sock");
        }

        void start(int requestedPort) throws Exception
        {
            List<String> args = new ArrayList<>(List.of(FLAGS));
            args.addAll(List.of("--port", Integer.toString(requestedPort), "--control-socket", socket.toString()));
            int marks = processes.output().size();
            process = processes.start(Map.of(), processes.nserv(args.toArray(String[]::new)));
            if (requestedPort == 0)
                port = processes.awaitPort("http");
            else
                await().atMost(Duration.ofSeconds(60)).until(() -> processes.output().stream().skip(marks).anyMatch(l -> l.contains("nserv: listening on http://127.0.0.1:" + requestedPort + "/")));
            await().atMost(Duration.ofSeconds(30)).until(() -> ctl("status").code == 0);
        }

        NservProcesses.CtlResult ctl(String command)
        {
            return processes.ctl("--socket", socket.toString(), command);
        }

        String status()
        {
            NservProcesses.CtlResult status = ctl("status");
            assertThat(status.code).as("%s: %s", name, status).isZero();
            return status.out;
        }

        long pid()
        {
            return Long.parseLong(field(status(), "pid"));
        }
    }

    @AfterEach
    void stop() throws Exception
    {
        if (load != null)
            load.close();
        if (haproxy != null)
        {
            Files.writeString(tmp.resolve("haproxy.log.copy"), haproxy.log(), StandardCharsets.UTF_8);
            haproxy.close();
            Path dir = Path.of(System.getProperty("nserv.jar", "target/nserv.jar")).toAbsolutePath().getParent().resolve("it-logs");
            Files.createDirectories(dir);
            Files.copy(tmp.resolve("haproxy.log.copy"), dir.resolve("HaproxyFleetIT-haproxy.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        for (Instance instance : instances)
        {
            instance.processes.saveOutput("HaproxyFleetIT-" + instance.name);
            instance.processes.close();
        }
    }

    @Test
    void docsQuoteTheTestedConfiguration() throws Exception
    {
        Path cfg = Haproxy.configuration();
        String docs = Files.readString(cfg.getParent().getParent().resolve("fleet.md"));
        assertThat(docs).as("docs/fleet.md quotes docs/fleet/haproxy.cfg verbatim").contains("```\n" + Files.readString(cfg) + "```\n");
    }

    @Test
    void rollingRestartThroughHaproxyFailsNoRequest() throws Exception
    {
        Instance a = startFleet();
        Instance b = instances.get(1);
        List<Long> pids = new ArrayList<>(List.of(a.pid(), b.pid()));
        long started = System.nanoTime();
        for (Instance instance : instances)
        {
            long before = instance.pid();
            NservProcesses.CtlResult restart = instance.ctl("restart");
            assertThat(restart.code).as("%s: %s", instance.name, restart).isZero();
            // the successor is ready once ctl returns; wait for the old generation to be gone and HAProxy to see it up
            await().atMost(Duration.ofSeconds(60)).until(() -> field(instance.status(), "restart").equals("idle") && !ProcessHandle.of(before).map(ProcessHandle::isAlive).orElse(false));
            long after = instance.pid();
            assertThat(after).as("%s: new generation's pid", instance.name).isNotEqualTo(before);
            pids.add(after);
            awaitUp(instance);
            await().atMost(Duration.ofSeconds(30)).until(() -> load.servedBy().contains(after));
        }
        finish("rolling restart (ctl restart of a, then b)", started, pids);
    }

    @Test
    void stopThenStartMaintenanceThroughHaproxyFailsNoRequest() throws Exception
    {
        Instance a = startFleet();
        Instance b = instances.get(1);
        List<Long> pids = new ArrayList<>(List.of(a.pid(), b.pid()));
        List<String> outOfRotation = new ArrayList<>();
        long started = System.nanoTime();
        for (Instance instance : instances)
        {
            Process old = instance.process;
            long before = old.pid();
            long term = System.nanoTime();
            old.destroy(); // SIGTERM: /readyz answers 503 at once, the drain starts after the pre-drain delay
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> haproxy.status(instance.name).startsWith("DOWN"));
            long down = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - term);
            assertThat(old.waitFor(40, TimeUnit.SECONDS)).as("%s (pid %d) exits after SIGTERM", instance.name, before).isTrue();
            long exited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - term);
            assertThat(old.exitValue()).as("%s: exit code after SIGTERM", instance.name).isZero();
            outOfRotation.add(String.format("%s: SIGTERM to DOWN in HAProxy %d ms, to exit %d ms", instance.name, down, exited));

            instance.start(instance.port);
            long after = instance.pid();
            assertThat(after).as("%s: pid of the new process on port %d", instance.name, instance.port).isNotEqualTo(before);
            pids.add(after);
            awaitUp(instance);
            await().atMost(Duration.ofSeconds(30)).until(() -> load.servedBy().contains(after));
        }
        System.out.println("HaproxyFleetIT stop-then-start: " + outOfRotation);
        finish("stop-then-start maintenance (SIGTERM, then a new process on the same port, a then b)", started, pids);
    }

    private Instance startFleet() throws Exception
    {
        Haproxy.binary(); // fails at once, with the fix, when HAProxy is missing
        for (String name : List.of("a", "b"))
        {
            Instance instance = new Instance(name);
            instances.add(instance);
            instance.start(0);
        }
        haproxy = Haproxy.start(tmp, Map.of("NSERV_A", "127.0.0.1:" + instances.get(0).port, "NSERV_B", "127.0.0.1:" + instances.get(1).port));
        for (Instance instance : instances)
            awaitUp(instance);
        load = new HttpLoad(haproxy.port, 3, 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 500);
        return instances.get(0);
    }

    private void awaitUp(Instance instance)
    {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> haproxy.status(instance.name).equals("UP"));
    }

    private void finish(String what, long started, List<Long> pids)
    {
        long before = load.ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > before + 500);
        load.close();
        Map<String, String> backend = haproxy.stat("nserv", "BACKEND");
        Map<String, String> frontend = haproxy.stat("web", "FRONTEND");
        System.out.printf("HaproxyFleetIT %s: %d requests ok, %d failed through HAProxy in %d ms; HAProxy retries %s, redispatches %s, " +
            "frontend 5xx %s; served by pids %s of %s%n", what, load.ok(), load.failed(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
            backend.get("wretr"), backend.get("wredis"), frontend.get("hrsp_5xx"), load.servedBy(), pids);
        assertThat(load.failures()).as("failed requests (haproxy log:\n%s)", haproxy.log()).isEmpty();
        assertThat(load.failed()).isZero();
        assertThat(load.servedBy()).as("every process of both instances served").containsAll(pids);
        assertThat(frontend.get("hrsp_5xx")).as("5xx answers of HAProxy's frontend").isEqualTo("0");
    }
}
