package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.nserv.jetty.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hot redeployment of a WAR under load, with the real nserv.jar: the demo WAR is {@code root.war} in the
 * {@code --webapps} directory and is replaced three times by a changed copy renamed over it, while four
 * {@code /counter} clients (each with its own session) and two {@link HttpLoad} clients on {@code /} run, and while
 * {@code /slow?ms=1500} requests are started every 250 ms from just before each swap until the old context has
 * stopped. No request may fail (no 503), the sessions continue (every count is the previous + 1), every slow request
 * ends with 200, and each swap waits for the old context's requests in flight (slow ones among them) before it stops
 * the old context ({@code RedeployDrainingContexts}' log line).
 */
class HotRedeployIT
{
    private static final int SWAPS = 3;
    private static final String DESTROYED = "nserv demo: context destroyed";
    private static final String INITIALIZED = "nserv demo: context initialized";
    private static final Pattern DRAINED = Pattern.compile("redeploy: \\d+ request\\(s\\) in flight ended after (\\d+) ms");

    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();
    private final ExecutorService slowPool = Executors.newFixedThreadPool(16);
    private SessionCounters counters;
    private HttpLoad load;

    /** The outcome of one {@code /slow} request. */
    private record Slow(int swap, int status, boolean connectionClose, String body, String error)
    {
        boolean ok()
        {
            return error == null && status == 200 && body.contains("slept=1500");
        }
    }

    @AfterEach
    void stop() throws Exception
    {
        if (counters != null)
            counters.close();
        if (load != null)
            load.close();
        slowPool.shutdownNow();
        slowPool.awaitTermination(30, TimeUnit.SECONDS);
        nserv.saveOutput("HotRedeployIT");
        nserv.close();
    }

    @Test
    void replacingTheWarThreeTimesUnderLoadFailsNothingAndKeepsSessions() throws Exception
    {
        Path webapps = Files.createDirectory(tmp.resolve("webapps"));
        Path demo = tmp.resolve("demo.war");
        try (InputStream in = HotRedeployIT.class.getResourceAsStream("/dev/nserv/jetty/launcher/nserv-demo.war"))
        {
            assertThat(in).as("the demo WAR on the test class path").isNotNull();
            Files.copy(in, demo);
        }
        Path root = webapps.resolve("root.war");
        Files.copy(demo, root);
        Instant mtime = Files.getLastModifiedTime(root).toInstant();

        Path socket = tmp.resolve("ctl.sock");
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(),
            "--state-dir", tmp.resolve("state").toString(), "--webapps", webapps.toString(), "--scan-interval", "1"));
        int port = nserv.awaitPort("http");

        counters = new SessionCounters(new AtomicReference<>(new int[]{port}), 2, 2);
        load = new HttpLoad(port, 1, 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> counters.ok() > 100 && load.ok() > 100);

        List<CompletableFuture<Slow>> slows = new ArrayList<>();
        List<String> swapProblems = new ArrayList<>();
        for (int swap = 1; swap <= SWAPS; swap++)
        {
            long destroyedBefore = count(DESTROYED);
            long initializedBefore = count(INITIALIZED);
            Path copy = tmp.resolve("root-" + swap + ".war");
            Files.copy(demo, copy);
            try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + copy.toUri()), Map.of()))
            {
                Files.writeString(zip.getPath("redeploy.txt"), "copy " + swap + "\n");
            }
            // a clearly different modification time, whatever the file system's resolution
            mtime = mtime.plusSeconds(10);
            Files.setLastModifiedTime(copy, FileTime.from(mtime));

            // slow requests from just before the swap until the old context has stopped
            int current = swap;
            slows.add(slow(port, current));
            Files.move(copy, root, StandardCopyOption.ATOMIC_MOVE);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (count(DESTROYED) == destroyedBefore && System.nanoTime() < deadline)
            {
                await().pollDelay(Duration.ofMillis(250)).atMost(Duration.ofSeconds(1)).until(() -> true);
                slows.add(slow(port, current));
            }
            if (count(DESTROYED) == destroyedBefore)
                swapProblems.add("swap " + swap + ": the old context was not destroyed within 90 s");
            if (count(INITIALIZED) == initializedBefore)
                swapProblems.add("swap " + swap + ": no new context started");
            long before = counters.ok();
            await().atMost(Duration.ofSeconds(30)).until(() -> counters.ok() > before + 20);
        }
        counters.close();
        load.close();

        List<Slow> results = new ArrayList<>();
        for (CompletableFuture<Slow> slow : slows)
            results.add(slow.get(60, TimeUnit.SECONDS));
        List<Slow> bad = results.stream().filter(s -> !s.ok()).toList();
        long inFlightAtStop = results.stream().filter(s -> s.ok() && s.connectionClose()).count();
        System.out.printf("nserv hot redeploy IT: %d swaps; counters: %s; load on /: %d ok, %d failed; slow requests: %d, %d not 200, " +
            "%d answered by an old context that was stopping (Connection: close); swaps %s; failures %s %s; bad slow %s%n",
            SWAPS, counters, load.ok(), load.failed(), results.size(), bad.size(), inFlightAtStop, swapProblems,
            counters.problems(), load.failures(), bad);

        assertThat(swapProblems).as("redeployments").isEmpty();
        assertThat(counters.problems()).as("counter resets, lost increments and failures").isEmpty();
        assertThat(load.failures()).as("failed requests on /").isEmpty();
        assertThat(load.failed()).isZero();
        assertThat(bad).as("slow requests that did not end with 200").isEmpty();
        // each swap waited for the requests in flight in the old context, the slow ones among them, before stopping it
        List<Long> waits = new ArrayList<>();
        for (String line : nserv.output())
        {
            Matcher m = DRAINED.matcher(line);
            if (m.find())
                waits.add(Long.parseLong(m.group(1)));
        }
        System.out.printf("nserv hot redeploy IT: waits for the old context's requests before its stop (ms): %s%n", waits);
        assertThat(waits).as("waits for the old context's requests in flight").hasSize(SWAPS).allMatch(ms -> ms >= 200);
        assertThat(counters.counted()).isEqualTo(counters.ok());
    }

    private long count(String text)
    {
        return nserv.output().stream().filter(line -> line.contains(text)).count();
    }

    private CompletableFuture<Slow> slow(int port, int swap)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try (RawHttp http = new RawHttp(port))
            {
                RawHttp.Response response = http.get("/slow?ms=1500");
                return new Slow(swap, response.status(), "close".equalsIgnoreCase(response.header("connection")), response.body().trim(), null);
            }
            catch (IOException | RuntimeException x)
            {
                return new Slow(swap, 0, false, "", x.toString());
            }
        }, slowPool);
    }
}
