package dev.nserv.jetty.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.Socket;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.nserv.jetty.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The real nserv.jar in a child JVM: the demo page, and SIGTERM as a graceful exit that ends with exit code 0. */
class LauncherIT
{
    private static final Pattern LISTENING = Pattern.compile("nserv: listening on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    private Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws Exception
    {
        executor.shutdownNow();
        if (process != null && process.isAlive())
        {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private int launch(String... extra) throws IOException
    {
        String jar = System.getProperty("nserv.jar", "target/nserv.jar");
        List<String> command = new java.util.ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar, "--host", "127.0.0.1", "--port", "0"));
        command.addAll(List.of(extra));
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        executor.submit(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                for (String line = reader.readLine(); line != null; line = reader.readLine())
                    output.add(line);
            }
            return null;
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> output.stream().anyMatch(l -> LISTENING.matcher(l).find()) || !process.isAlive());
        for (String line : output)
        {
            Matcher matcher = LISTENING.matcher(line);
            if (matcher.find())
                return Integer.parseInt(matcher.group(1));
        }
        throw new AssertionError("nserv did not start: " + output);
    }

    @Test
    void servesTheDemoAndExitsZeroAfterDrainingOnSigterm() throws Exception
    {
        Path log = dir.resolve("nserv.log");
        int port = launch("--log-file", log.toString());
        try (RawHttp http = new RawHttp(port))
        {
            RawHttp.Response home = http.get("/");
            assertThat(home.status()).isEqualTo(200);
            assertThat(home.body().trim()).isEqualTo("pid=" + process.pid() + " generation=1");
        }
        // A streamed response is in flight (its first line arrived) when SIGTERM comes: it must finish whole.
        try (Socket socket = new Socket("127.0.0.1", port))
        {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write("GET /stream?seconds=3 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder received = new StringBuilder();
            for (String line = reader.readLine(); line != null && !line.contains("line 1/3"); line = reader.readLine())
                received.append(line).append('\n');
            assertThat(received.toString()).startsWith("HTTP/1.1 200");

            new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
            for (String line = reader.readLine(); line != null; line = reader.readLine())
                received.append(line).append('\n');
            // Headers were sent before the drain, so no Connection: close header: the whole body arrived, with the
            // final chunk, and then the server closed the connection (the read loop ended at end of stream).
            assertThat(received.toString()).contains("line 3/3").endsWith("\n0\n\n");
        }
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
            assertThat(output).anyMatch(l -> l.contains("context destroyed (clean-up ran)")).anyMatch(l -> l.startsWith("nserv: stopped")));
        // The log file keeps the last lines too.
        assertThat(Files.readString(log)).contains("context destroyed (clean-up ran)").contains("nserv: stopped");
    }
}
