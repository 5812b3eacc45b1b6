package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.nserv.jetty.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code --standby}: each generation keeps a successor JVM that has loaded its classes ahead, and a restart starts
 * from it -- under load with no failed request, picking up a WAR added while it waited; a standby whose jar changed
 * or that died gives way to a fresh successor, one that fails is rolled back and replaced; a generation that stops
 * ends its standby.
 */
class StandbyRestartIT
{
    private static final Pattern PREPARED = Pattern.compile("nserv: standby \\(pid (\\d+)\\) prepared: (\\d+) of (\\d+) classes");

    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();

    @AfterEach
    void stop()
    {
        nserv.saveOutput("StandbyRestartIT");
        nserv.close();
    }

    private Path webapps() throws IOException
    {
        Path webapps = Files.createDirectories(tmp.resolve("webapps"));
        try (InputStream war = StandbyRestartIT.class.getResourceAsStream("/dev/nserv/jetty/launcher/nserv-demo.war"))
        {
            Files.copy(war, webapps.resolve("root.war"));
        }
        return webapps;
    }

    private Process start(Path jar, Path webapps, Path socket) throws IOException
    {
        List<String> command = new ArrayList<>(List.of(nserv.java.toString(), "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
            "--host", "127.0.0.1", "--port", "0", "--webapps", webapps.toString(), "--scan-interval", "0",
            "--control-socket", socket.toString(), "--state-dir", nserv.stateDir().toString(), "--standby", "0s"));
        return nserv.start(Map.of(), command);
    }

    /** Waits for the n-th standby (1 for the first) to report that it is prepared; returns its pid. */
    private long awaitStandby(int n)
    {
        List<Long> pids = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() ->
        {
            pids.clear();
            for (String line : nserv.output())
            {
                Matcher m = PREPARED.matcher(line);
                if (m.find())
                {
                    pids.add(Long.parseLong(m.group(1)));
                    // nearly all: a class the predecessor generated or could not find again is loaded on use
                    assertThat(Integer.parseInt(m.group(2))).as("classes loaded ahead: " + line).isGreaterThanOrEqualTo(Integer.parseInt(m.group(3)) * 95 / 100);
                }
            }
            return pids.size() >= n;
        });
        return pids.get(n - 1);
    }

    private static boolean served(int port, String path, String text) throws IOException
    {
        try (RawHttp http = new RawHttp(port))
        {
            RawHttp.Response response = http.get(path);
            return response.status() == 200 && response.body().contains(text);
        }
    }

    @Test
    void restartsStartFromTheStandbyUnderLoadAndReadTheWarsWhenTheRestartComes() throws Exception
    {
        Path webapps = webapps();
        Path socket = tmp.resolve("ctl.sock");
        start(nserv.jar, webapps, socket);
        int port = nserv.awaitPort("http");
        long standby = awaitStandby(1);
        // a WAR deployed while the standby waits: it must serve it, so it cannot have read the WARs ahead
        Files.copy(webapps.resolve("root.war"), webapps.resolve("added.war"));

        HttpLoad load = new HttpLoad(port, 2, 2);
        try
        {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 100);
            NservProcesses.CtlResult first = nserv.ctl("--socket", socket.toString(), "restart");
            assertThat(first.code).as(first.toString()).isZero();
            assertThat(first.out).contains("generation 2 (pid " + standby + ")");
            await().atMost(Duration.ofSeconds(30)).until(() -> served(port, "/", "generation=2"));
            assertThat(served(port, "/added/", "generation=2")).as("the WAR added while the standby waited").isTrue();

            long second = awaitStandby(2);
            long before = load.ok();
            NservProcesses.CtlResult again = nserv.ctl("--socket", socket.toString(), "restart");
            assertThat(again.code).as(again.toString()).isZero();
            assertThat(again.out).contains("generation 3 (pid " + second + ")");
            await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > before + 100 && served(port, "/", "generation=3"));
            load.close();
            assertThat(load.failures()).as("failed requests").isEmpty();
            assertThat(load.failed()).isZero();
            assertThat(load.servedBy()).as("pids that served").contains(standby, second);
        }
        finally
        {
            load.close();
        }
        assertThat(nserv.outputText())
            .contains("restart: generation 2 is the standby (pid " + standby + ")")
            .containsPattern("start phases: .*loading ahead \\d+ ms, standby until the restart \\d+ ms, launcher")
            .doesNotContain("NoClassDefFoundError").doesNotContain("ExceptionInInitializerError");
    }

    @Test
    void aStandbyWhoseJarChangedOrThatDiedGivesWayToAFreshSuccessor() throws Exception
    {
        Path jar = tmp.resolve("nserv.jar");
        Files.copy(nserv.jar, jar);
        Path socket = tmp.resolve("ctl.sock");
        Path webapps = webapps();
        start(jar, webapps, socket);
        int port = nserv.awaitPort("http");
        long stale = awaitStandby(1);

        // a new build of the jar: the standby runs the old code, so the restart must not use it
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
        NservProcesses.CtlResult fresh = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(fresh.code).as(fresh.toString()).isZero();
        assertThat(fresh.out).contains("generation 2").doesNotContain("(pid " + stale + ")");
        assertThat(nserv.outputText()).contains("not using the standby: " + jar + " changed since the standby (pid " + stale + ") started");
        await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.of(stale).map(p -> !p.isAlive()).orElse(true));
        await().atMost(Duration.ofSeconds(30)).until(() -> served(port, "/", "generation=2"));

        // a standby that dies: reported, and the next restart starts a fresh successor
        long dead = awaitStandby(2);
        ProcessHandle.of(dead).ifPresent(ProcessHandle::destroyForcibly);
        await().atMost(Duration.ofSeconds(20)).until(() -> nserv.outputText().contains("the standby (pid " + dead + ") exited on signal 9"));
        NservProcesses.CtlResult after = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(after.code).as(after.toString()).isZero();
        assertThat(after.out).contains("generation 3").doesNotContain("(pid " + dead + ")");
        await().atMost(Duration.ofSeconds(30)).until(() -> served(port, "/", "generation=3"));

        // a standby whose start fails (a broken WAR deployed while it waited) is rolled back, and another follows
        long failing = awaitStandby(3);
        Files.writeString(webapps.resolve("broken.war"), "not a zip");
        NservProcesses.CtlResult rolledBack = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(rolledBack.code).as(rolledBack.toString()).isNotZero();
        assertThat(rolledBack.err).contains("failed to deploy").contains("generation 3 keeps serving");
        assertThat(nserv.outputText()).contains("restart: generation 4 is the standby (pid " + failing + ")");
        long next = awaitStandby(4);
        assertThat(next).isNotEqualTo(failing);
        assertThat(served(port, "/", "generation=3")).isTrue();
    }

    @Test
    void aGenerationThatStopsEndsItsStandby() throws Exception
    {
        Process first = start(nserv.jar, webapps(), tmp.resolve("ctl.sock"));
        nserv.awaitPort("http");
        long standby = awaitStandby(1);
        // generation 2 writes the class-data archive at its exit, so the first standby was started to write it
        assertThat(Files.readString(Path.of("/proc/" + standby + "/cmdline")).replace('\0', ' ')).containsAnyOf("-XX:ArchiveClassesAtExit=", "-XX:AOTCacheOutput=");
        first.destroy();
        await().atMost(Duration.ofSeconds(30)).until(() -> !first.isAlive());
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(standby).map(p -> !p.isAlive()).orElse(true));
        assertThat(first.exitValue()).isZero();
        assertThat(nserv.outputText()).contains("restart: standby (pid " + standby + ") ended: exited with code 0");
        // an unused standby ends before the JVM's exit work: it wrote no archive
        try (Stream<Path> files = Files.list(nserv.stateDir().resolve(ClassDataArchives.DEFAULT_SUBDIRECTORY)))
        {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.endsWith(".part") || name.endsWith(".jsa") || name.endsWith(".aot"));
        }
    }
}
