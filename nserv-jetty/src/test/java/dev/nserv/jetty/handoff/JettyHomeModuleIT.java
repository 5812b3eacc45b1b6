package dev.nserv.jetty.handoff;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.nserv.jetty.RawHttp;
import dev.nserv.jetty.metrics.PrometheusText;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.nserv.jetty.handoff.NservProcesses.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The module for the official jetty-home: nserv-module.tar.gz unpacked into a fresh jetty-base of jetty-home
 * 12.1.11, {@code start.jar --add-modules=nserv,ee10-deploy}, the demo WAR in webapps/, then start.jar run as a
 * child JVM: a restart by ctl and one by SIGHUP under load fail no request and keep the listening socket, SIGTERM
 * drains once and exits 0, and a bad nserv.* property ends the start with one line that names it. With the
 * nserv-metrics module the admin port's /metrics answers through a restart, from the same socket; with the
 * nserv-deploy module a hot redeploy of the WAR waits for the old context's requests.
 */
class JettyHomeModuleIT
{
    private static final Pattern LISTENING = Pattern.compile("generation (\\d+) pid (\\d+) listening on 127\\.0\\.0\\.1:(\\d+) \\(connector 'http'\\)");

    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Path jettyHome = Path.of(System.getProperty("nserv.it.jettyHome", "target/it-jetty-home/jetty-home-12.1.11")).toAbsolutePath();
    private final Path module = Path.of(System.getProperty("nserv.it.module", "target/nserv-module.tar.gz")).toAbsolutePath();
    private final Path demoWar = Path.of(System.getProperty("nserv.it.demoWar", "target/classes/dev/nserv/jetty/launcher/nserv-demo.war")).toAbsolutePath();
    private Path base;
    private HttpLoad load;
    private SessionCounters counters;

    @BeforeEach
    void base() throws Exception
    {
        assertThat(jettyHome.resolve("start.jar")).as("jetty-home, unpacked by the pom before the integration tests").exists();
        assertThat(module).as("nserv-module.tar.gz, built at package").exists();
        base = Files.createDirectory(tmp.resolve("base"));
        run(List.of("tar", "xzf", module.toString(), "-C", base.toString()));
        run(List.of(java(), "-jar", jettyHome.resolve("start.jar").toString(), "--add-modules=nserv,ee10-deploy"));
        assertThat(base.resolve("start.d/nserv.ini")).exists();
        assertThat(base.resolve("start.d/http.ini")).as("nserv provides http: Jetty's http module stays off").doesNotExist();
        Files.copy(demoWar, base.resolve("webapps/ROOT.war"), StandardCopyOption.REPLACE_EXISTING);
    }

    @AfterEach
    void stop() throws Exception
    {
        if (load != null)
            load.close();
        if (counters != null)
            counters.close();
        nserv.saveOutput("JettyHomeModuleIT");
        nserv.close();
    }

    @Test
    void restartsByCtlAndSighupUnderLoadThenSigtermDrains() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        Path pidFile = tmp.resolve("nserv.pid");
        Process first = nserv.start(Map.of(), startJar("jetty.http.host=127.0.0.1", "jetty.http.port=0",
            "nserv.controlSocket=" + socket, "nserv.pidFile=" + pidFile, "nserv.maxConnections=500", "nserv.requestHeaderTimeout=1000"));
        int port = awaitListening(1);
        // RequestHeaderDeadline: a client that sends no header is closed after nserv.requestHeaderTimeout
        try (java.net.Socket silent = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port))
        {
            silent.setSoTimeout(15_000);
            long connected = System.nanoTime();
            assertThat(silent.getInputStream().read()).isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected)).isBetween(900L, 10_000L);
        }
        List<Long> inodes = NservProcesses.listenInodes(port);
        assertThat(inodes).hasSize(1);
        long inode = inodes.get(0);
        assertThat(Long.parseLong(field(status(socket), "pid"))).isEqualTo(first.pid());
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(pidFile) && Files.readString(pidFile).trim().equals(Long.toString(first.pid())));

        load = new HttpLoad(port, 2, 2);
        // the demo's session counter: nserv.sessionStore=file (the default) under nserv.stateDir keeps every session
        counters = new SessionCounters(new java.util.concurrent.atomic.AtomicReference<>(new int[]{port}), 1, 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 100 && counters.ok() > 20);

        long pid2 = restart(socket, 2, "ctl", port, inode);
        assertThat(pid2).isNotEqualTo(first.pid());
        // started without the opens, generation 1 gave its successor the opens right after the java program
        String opens = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
        assertThat(Files.readString(Path.of("/proc/" + pid2 + "/cmdline")).split("\0")).containsSubsequence(java(), opens, "-jar");
        assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("generation 1 ends after the handoff").isTrue();
        assertThat(first.exitValue()).isZero();
        long before = load.ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > before + 50);

        long pid3 = restart(socket, 3, "sighup", port, inode);
        assertThat(pid3).isNotEqualTo(pid2);
        assertThat(Files.readString(Path.of("/proc/" + pid3 + "/cmdline")).split("\0")).filteredOn(opens::equals).hasSize(1);
        long before3 = load.ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > before3 + 50);
        load.close();
        System.out.printf("jetty-home module IT: %d requests ok, %d failed over 2 restarts (ctl, SIGHUP)%n", load.ok(), load.failed());
        assertThat(load.failures()).as("failed requests").isEmpty();
        assertThat(load.failed()).isZero();
        assertThat(load.servedBy()).as("pids that served").contains(first.pid(), pid2, pid3);
        long counted = counters.ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> counters.ok() > counted + 20);
        counters.close();
        System.out.printf("jetty-home module IT: sessions %s%n", counters);
        assertThat(counters.problems()).as("session problems").isEmpty();
        assertThat(counters.failed()).isZero();
        assertThat(counters.resets()).as("sessions lost").isZero();
        assertThat(counters.lostIncrements()).isZero();
        assertThat(base.resolve("nserv-state/sessions")).as("the default state directory under jetty.base").isDirectory();
        assertThat(Files.readString(pidFile).trim()).isEqualTo(Long.toString(pid3));

        // SIGTERM: nserv's graceful stop runs once, then the JVM exits (Jetty's shutdown hook finds it stopped)
        int marks = nserv.output().size();
        new ProcessBuilder("kill", "-TERM", Long.toString(pid3)).inheritIO().start().waitFor();
        await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.of(pid3).map(p -> !p.isAlive()).orElse(true));
        List<String> after = nserv.output().subList(marks, nserv.output().size());
        assertThat(after.stream().filter(l -> l.contains("graceful stop: stopped in"))).as("drains once: %s", after).hasSize(1);
        assertThat(after.stream().filter(l -> l.contains("nserv: stopped (generation 3, pid " + pid3 + ")"))).hasSize(1);
        assertThat(NservProcesses.listenInodes(port)).isEmpty();
        assertThat(nserv.livePids()).isEmpty();
    }

    @Test
    void metricsModuleScrapesThroughACtlRestartOnTheSameAdminPort() throws Exception
    {
        run(List.of(java(), "-jar", jettyHome.resolve("start.jar").toString(), "--add-modules=nserv-metrics"));
        assertThat(base.resolve("start.d/nserv-metrics.ini")).exists();
        Path socket = tmp.resolve("ctl.sock");
        nserv.start(Map.of(), startJar("jetty.http.host=127.0.0.1", "jetty.http.port=0", "nserv.adminPort=0", "nserv.controlSocket=" + socket));
        int port = awaitListening(1);
        int admin = awaitAdminListening(1);
        assertThat(admin).isNotEqualTo(port);
        List<Long> adminInodes = NservProcesses.listenInodes(admin);
        assertThat(adminInodes).hasSize(1);
        long inode = NservProcesses.listenInodes(port).get(0);

        load = new HttpLoad(port, 2, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 100);
        PrometheusText first = PrometheusText.parse(scrape(admin));
        assertThat(first.value("nserv_generation")).isEqualTo(1.0);
        assertThat(first.value("nserv_connections_active{connector=\"http\"}")).isNotNull();
        assertThat(first.value("nserv_connections_active{connector=\"admin\"}")).isNotNull();
        assertThat(first.value("nserv_restarts_total{outcome=\"committed\"}")).isEqualTo(0.0);
        assertThat(first.hasFamily("jvm_memory_used_bytes")).isTrue();
        assertThat(first.hasFamily("jetty_connections_current_connections")).isTrue();
        // the demo WAR's ConcurrencyLimitFilter registers its MBean on the platform MBeanServer, in jetty-home too
        assertThat(first.value("nserv_filter_limit{instance=\"1\",name=\"nserv-demo\"}")).isPositive();
        assertThat(first.value("nserv_filter_accepted_total{instance=\"1\",name=\"nserv-demo\"}")).isPositive();

        AtomicBoolean scraping = new AtomicBoolean(true);
        AtomicInteger scrapes = new AtomicInteger();
        AtomicInteger failedScrapes = new AtomicInteger();
        CompletableFuture<Void> scraper = CompletableFuture.runAsync(() ->
        {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (scraping.get() && System.nanoTime() - deadline < 0 && scrapes.get() < 5_000)
            {
                try
                {
                    if (!scrape(admin).contains("nserv_generation"))
                        failedScrapes.incrementAndGet();
                }
                catch (Exception | AssertionError x)
                {
                    failedScrapes.incrementAndGet();
                }
                scrapes.incrementAndGet();
            }
        });
        restart(socket, 2, "ctl", port, inode);
        PrometheusText second = await().atMost(Duration.ofSeconds(30))
            .until(() -> PrometheusText.parse(scrape(admin)), text -> text.value("nserv_generation") == 2.0);
        scraping.set(false);
        scraper.get(60, TimeUnit.SECONDS);
        long before = load.ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > before + 50);
        load.close();
        assertThat(NservProcesses.listenInodes(admin)).as("the admin socket was handed over").isEqualTo(adminInodes);
        assertThat(second.value("nserv_restarts_total{outcome=\"committed\"}")).isEqualTo(1.0);
        assertThat(second.value("nserv_restarts_total{outcome=\"rolled_back\"}")).isEqualTo(0.0);
        assertThat(second.hasFamily("jvm_memory_used_bytes")).isTrue();
        assertThat(second.hasFamily("nserv_filter_limit")).isTrue();
        System.out.printf("jetty-home module IT, nserv-metrics: %d requests ok, %d failed; %d scrapes through the restart, %d failed%n",
            load.ok(), load.failed(), scrapes.get(), failedScrapes.get());
        assertThat(load.failures()).as("failed requests").isEmpty();
        assertThat(load.failed()).isZero();
        assertThat(scrapes.get()).isPositive();
        assertThat(failedScrapes.get()).as("failed scrapes of %d", scrapes.get()).isZero();
    }

    @Test
    void badAdminPortIsOneClearError() throws Exception
    {
        run(List.of(java(), "-jar", jettyHome.resolve("start.jar").toString(), "--add-modules=nserv-metrics"));
        Process process = nserv.start(Map.of(), startJar("jetty.http.host=127.0.0.1", "jetty.http.port=0", "nserv.adminPort=70000"));
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> nserv.outputText().contains("nserv: error:"));
        String out = nserv.outputText();
        assertThat(out.lines().filter(l -> l.contains("nserv: error:"))).as(out)
            .containsExactly("nserv: error: nserv.adminPort=70000 is not a port: it must be from 0 to 65535 (0 for any free port)");
        assertThat(out).doesNotContain("Exception", "listening on");
    }

    private String scrape(int admin) throws Exception
    {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private int awaitAdminListening(int generation)
    {
        Pattern admin = Pattern.compile("generation " + generation + " pid \\d+ listening on 127\\.0\\.0\\.1:(\\d+) \\(connector 'admin'\\)");
        return await().atMost(Duration.ofSeconds(90)).until(() ->
        {
            Matcher m = admin.matcher(nserv.outputText());
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        }, found -> found > 0);
    }

    @Test
    void deployModuleDrainsTheOldContextOfAHotRedeploy() throws Exception
    {
        // an existing base: deployer-standard came with ee10-deploy; nserv-deploy provides "deployer" in its place
        Files.delete(base.resolve("start.d/deployer-standard.ini"));
        run(List.of(java(), "-jar", jettyHome.resolve("start.jar").toString(), "--add-modules=nserv-deploy"));
        assertThat(base.resolve("start.d/nserv-deploy.ini")).exists();
        nserv.start(Map.of(), startJar("jetty.http.host=127.0.0.1", "jetty.http.port=0", "jetty.deploy.scanInterval=1",
            "nserv.controlSocket=" + tmp.resolve("ctl.sock")));
        int port = awaitListening(1);
        load = new HttpLoad(port, 1, 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 100);

        Path root = base.resolve("webapps/ROOT.war");
        Path copy = tmp.resolve("ROOT-2.war");
        Files.copy(root, copy);
        try (java.nio.file.FileSystem zip = java.nio.file.FileSystems.newFileSystem(URI.create("jar:" + copy.toUri()), Map.of()))
        {
            Files.writeString(zip.getPath("redeploy.txt"), "copy 2\n");
        }
        Files.setLastModifiedTime(copy, java.nio.file.attribute.FileTime.from(Files.getLastModifiedTime(root).toInstant().plusSeconds(10)));
        ExecutorService slowPool = Executors.newFixedThreadPool(16);
        List<CompletableFuture<String>> slows = new ArrayList<>();
        try
        {
            // /slow?ms=1500 requests every 250 ms from just before the swap until the old context is destroyed
            slows.add(slow(port, slowPool));
            Files.move(copy, root, StandardCopyOption.ATOMIC_MOVE);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!nserv.outputText().contains("nserv demo: context destroyed") && System.nanoTime() < deadline && slows.size() < 400)
            {
                await().pollDelay(Duration.ofMillis(250)).atMost(Duration.ofSeconds(1)).until(() -> true);
                slows.add(slow(port, slowPool));
            }
            List<String> results = new ArrayList<>();
            for (CompletableFuture<String> slow : slows)
                results.add(slow.get(60, TimeUnit.SECONDS));
            long before = load.ok();
            await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > before + 50);
            load.close();
            Matcher drained = Pattern.compile("redeploy: (\\d+) request\\(s\\) in flight ended after (\\d+) ms").matcher(nserv.outputText());
            assertThat(drained.find()).as("the redeploy waited for the old context's requests: %s", nserv.outputText()).isTrue();
            System.out.printf("jetty-home module IT, nserv-deploy: hot redeploy under load: %d requests ok, %d failed; %d slow requests, %d not 200; " +
                "the old context's %s request(s) ended %s ms after the swap before it stopped%n", load.ok(), load.failed(), results.size(),
                results.stream().filter(r -> !r.equals("200")).count(), drained.group(1), drained.group(2));
            assertThat(nserv.outputText()).contains("nserv demo: context destroyed");
            assertThat(results).as("slow requests across the redeploy").isNotEmpty().allMatch("200"::equals);
            assertThat(Long.parseLong(drained.group(2))).isGreaterThanOrEqualTo(200);
            assertThat(load.failures()).as("failed requests").isEmpty();
            assertThat(load.failed()).isZero();
        }
        finally
        {
            slowPool.shutdownNow();
            slowPool.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private static CompletableFuture<String> slow(int port, ExecutorService pool)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try (RawHttp client = new RawHttp(port))
            {
                return Integer.toString(client.get("/slow?ms=1500").status());
            }
            catch (java.io.IOException | RuntimeException x)
            {
                return x.toString();
            }
        }, pool);
    }

    @Test
    void badPropertyIsOneClearErrorBeforeAnythingServes() throws Exception
    {
        Process process = nserv.start(Map.of(), startJar("jetty.http.host=127.0.0.1", "jetty.http.port=0", "nserv.maxConnections=lots"));
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> nserv.outputText().contains("nserv: error:"));
        String out = nserv.outputText();
        assertThat(out.lines().filter(l -> l.contains("nserv.maxConnections"))).as(out)
            .containsExactly("nserv: error: nserv.maxConnections=lots is not a whole number");
        assertThat(out).doesNotContain("Started", "Exception", "listening on");

        Process store = nserv.start(Map.of(), startJar("jetty.http.host=127.0.0.1", "jetty.http.port=0", "nserv.sessionStore=redis"));
        assertThat(store.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(store.exitValue()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> nserv.outputText().contains("nserv.sessionStore=redis"));
        assertThat(nserv.outputText()).contains("nserv: error: nserv.sessionStore=redis is not a session store: use file");

        // a failure of the server's start, here a port in use, is one line too
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            int marks = nserv.output().size();
            Process busy = nserv.start(Map.of(), startJar("jetty.http.host=127.0.0.1", "jetty.http.port=" + taken.getLocalPort()));
            assertThat(busy.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(busy.exitValue()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> nserv.output().size() > marks && nserv.outputText().contains("Address already in use"));
            List<String> after = nserv.output().subList(marks, nserv.output().size());
            assertThat(after.stream().filter(l -> l.contains("nserv: error:"))).as("%s", after)
                .containsExactly("nserv: error: Failed to bind to /127.0.0.1:" + taken.getLocalPort() + ": Address already in use");
            assertThat(String.join("\n", after)).doesNotContain("Exception", "\tat ");
        }

    }

    @Test
    void systemdSocketWithoutTheOpensIsOneClearError() throws Exception
    {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            port = probe.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of("/usr/bin/systemd-socket-activate", "-l", "127.0.0.1:" + port, "--fdname=http"));
        command.addAll(startJar("jetty.http.host=127.0.0.1", "jetty.http.port=0"));
        Process process = nserv.start(Map.of(), command);
        await().atMost(Duration.ofSeconds(10)).until(() -> !NservProcesses.listenInodes(port).isEmpty());
        // the first connection starts the JVM, which must refuse to adopt fd 3 without the opens
        try (java.net.Socket trigger = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port))
        {
            assertThat(trigger.isConnected()).isTrue();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(process.exitValue()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> nserv.outputText().contains("nserv: error:"));
        String out = nserv.outputText();
        assertThat(out.lines().filter(l -> l.contains("nserv: error:"))).as(out).containsExactly(
            "nserv: error: adopting the socket systemd passed (LISTEN_FDS) needs --add-opens java.base/sun.nio.ch=ALL-UNNAMED on the java command line (or in JDK_JAVA_OPTIONS)");
        assertThat(out).doesNotContain("Exception", "\tat ", "listening on");
    }

    private long restart(Path socket, int generation, String trigger, int port, long inode) throws Exception
    {
        long oldPid = Long.parseLong(field(status(socket), "pid"));
        if (trigger.equals("sighup"))
        {
            new ProcessBuilder("kill", "-HUP", Long.toString(oldPid)).inheritIO().start().waitFor();
        }
        else
        {
            NservProcesses.CtlResult result = nserv.ctl("--socket", socket.toString(), "restart");
            assertThat(result.code).as(result.toString()).isZero();
            assertThat(result.out).contains("generation " + generation + " (pid ");
        }
        await().atMost(Duration.ofSeconds(90)).until(() ->
        {
            NservProcesses.CtlResult status = nserv.ctl("--socket", socket.toString(), "status");
            return status.code == 0 && field(status.out, "generation").equals(Integer.toString(generation)) && field(status.out, "restart").equals("idle");
        });
        String status = status(socket);
        assertThat(field(status, "state")).isEqualTo("ready");
        assertThat(status).contains("inode " + inode).contains("handed off by generation " + (generation - 1));
        assertThat(NservProcesses.listenInodes(port)).as("one LISTEN socket, the same inode").containsExactly(inode);
        long newPid = Long.parseLong(field(status, "pid"));
        await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.of(oldPid).map(p -> !p.isAlive()).orElse(true));
        assertThat(nserv.livePids()).containsExactly(newPid);
        return newPid;
    }

    private String status(Path socket)
    {
        NservProcesses.CtlResult status = nserv.ctl("--socket", socket.toString(), "status");
        assertThat(status.code).as(status.toString()).isZero();
        return status.out;
    }

    private int awaitListening(int generation)
    {
        int[] port = new int[1];
        await().atMost(Duration.ofSeconds(90)).until(() ->
        {
            for (String line : nserv.output())
            {
                Matcher m = LISTENING.matcher(line);
                if (m.find() && m.group(1).equals(Integer.toString(generation)))
                {
                    port[0] = Integer.parseInt(m.group(3));
                    return true;
                }
            }
            return false;
        });
        return port[0];
    }

    /** java -jar start.jar as the issue gives it (no --add-opens), with jetty.base given as a property: successors run the same line. */
    private List<String> startJar(String... args)
    {
        List<String> command = new ArrayList<>(List.of(java(), "-XX:TieredStopAtLevel=1", "-Djetty.base=" + base));
        command.addAll(List.of("-jar", jettyHome.resolve("start.jar").toString()));
        command.addAll(List.of(args));
        return command;
    }

    private void run(List<String> command) throws Exception
    {
        Process process = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(tmp.resolve("setup.log").toFile()).start();
        try
        {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s", command).isTrue();
        }
        finally
        {
            process.destroyForcibly();
        }
        assertThat(process.exitValue()).as("%s: %s", command, Files.readString(tmp.resolve("setup.log"))).isZero();
    }

    private static String java()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
