package dev.nserv.jetty.handoff;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The admin port across restarts with the real nserv.jar: generation 1's /metrics, a rolled-back restart counted
 * by the generation that keeps serving, then a committed restart after which the same admin port (its socket
 * handed over under the name 'admin') answers from generation 2 with the history carried over -- and a scraper
 * that runs all through the committed restart sees no failure.
 */
class MetricsRestartIT
{
    private static final Pattern ADMIN = Pattern.compile("nserv: admin on http://127\\.0\\.0\\.1:(\\d+)/metrics");

    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop()
    {
        nserv.saveOutput("MetricsRestartIT");
        nserv.close();
    }

    private int awaitAdminPort()
    {
        return await().atMost(Duration.ofSeconds(60)).until(() ->
        {
            Matcher m = ADMIN.matcher(nserv.outputText());
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        }, port -> port > 0);
    }

    private String scrape(int port) throws Exception
    {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static double value(String text, String series)
    {
        for (String line : text.split("\n"))
        {
            if (line.startsWith(series + " "))
                return Double.parseDouble(line.substring(series.length() + 1));
        }
        throw new AssertionError("no series " + series + " in:\n" + text);
    }

    @Test
    void theAdminPortFollowsTheRestartsAndCountsThem() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        Path mode = tmp.resolve("mode");
        Path script = tmp.resolve("successor.sh");
        String args = "--host 127.0.0.1 --port 0 --admin-port 0 --control-socket " + socket + " --state-dir " + nserv.stateDir();
        Files.writeString(script, String.join("\n",
            "#!/bin/sh",
            "case \"$(cat " + mode + ")\" in",
            "  exit) echo 'successor says: boom'; exit 3 ;;",
            "  ok) exec " + nserv.java + " -XX:TieredStopAtLevel=1 -jar " + nserv.jar + " " + args + " ;;",
            "esac",
            ""));
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--control-socket", socket.toString(),
            "--state-dir", nserv.stateDir().toString(), "--ready-timeout", "30s", "--successor-command", "/bin/sh " + script));
        int http = nserv.awaitPort("http");
        int admin = awaitAdminPort();
        assertThat(admin).isNotEqualTo(http);

        String first = scrape(admin);
        assertThat(value(first, "nserv_generation")).isEqualTo(1.0);
        assertThat(value(first, "nserv_restarts_total{outcome=\"committed\"}")).isEqualTo(0.0);
        assertThat(value(first, "nserv_restarts_total{outcome=\"rolled_back\"}")).isEqualTo(0.0);

        // a successor that fails: generation 1 keeps serving and counts the roll back
        Files.writeString(mode, "exit");
        NservProcesses.CtlResult failed = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(failed.code).as(failed.toString()).isEqualTo(1);
        String afterRollback = scrape(admin);
        assertThat(value(afterRollback, "nserv_generation")).isEqualTo(1.0);
        assertThat(value(afterRollback, "nserv_restarts_total{outcome=\"rolled_back\"}")).isEqualTo(1.0);
        assertThat(value(afterRollback, "nserv_restart_duration_seconds_count{outcome=\"rolled_back\"}")).isEqualTo(1.0);
        assertThat(value(afterRollback, "nserv_restarts_total{outcome=\"committed\"}")).isEqualTo(0.0);

        // a good successor: scrape all through the restart (kept-alive connections, as Prometheus does)
        Files.writeString(mode, "ok");
        AtomicBoolean scraping = new AtomicBoolean(true);
        AtomicInteger scrapes = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        CompletableFuture<Void> scraper = CompletableFuture.runAsync(() ->
        {
            HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (scraping.get() && System.nanoTime() - deadline < 0 && scrapes.get() < 5_000)
            {
                try
                {
                    HttpResponse<String> response = fresh.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200 || !response.body().contains("nserv_generation"))
                        failures.incrementAndGet();
                }
                catch (Exception x)
                {
                    failures.incrementAndGet();
                }
                scrapes.incrementAndGet();
            }
        });
        NservProcesses.CtlResult restarted = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(restarted.code).as(restarted.toString()).isZero();
        String second = await().atMost(Duration.ofSeconds(30)).until(() -> scrape(admin), text -> value(text, "nserv_generation") == 2.0);
        scraping.set(false);
        scraper.get();
        assertThat(value(second, "nserv_restarts_total{outcome=\"committed\"}")).isEqualTo(1.0);
        assertThat(value(second, "nserv_restarts_total{outcome=\"rolled_back\"}")).isEqualTo(1.0);
        assertThat(value(second, "nserv_restart_duration_seconds_count{outcome=\"committed\"}")).isEqualTo(1.0);
        assertThat(value(second, "nserv_restart_duration_seconds_sum{outcome=\"committed\"}")).isGreaterThan(0.0);
        System.out.println("MetricsRestartIT: " + scrapes.get() + " scrapes through the committed restart, " + failures.get() + " failed");
        assertThat(scrapes.get()).isPositive();
        assertThat(failures.get()).as("failed scrapes of " + scrapes.get()).isZero();
        assertThat(nserv.outputText()).contains("(connector 'admin')");
    }
}
