package dev.nserv.jetty.handoff;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.logging.log4j.layout.template.json.util.JsonReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * JSON logs (set in jetty.xml) and {@code --access-log FILE} on the real nserv.jar under load across a {@code ctl restart}: both
 * generations write the same stdout and the same access log, and neither holds a partial or mixed line.
 */
class JsonAndAccessLogRestartIT
{
    private static final Set<String> FIELDS = Set.of("time", "level", "logger", "message", "pid", "generation", "thread");
    /** The NCSA combined format, one request: client, ident, user, [time], "request line", status, bytes, "referer", "agent". */
    private static final Pattern NCSA = Pattern.compile(
        "127\\.0\\.0\\.1 - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}] \"GET / HTTP/1\\.1\" 200 \\d+ \"[^\"]*\" \"[^\"]*\"");

    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();
    private HttpLoad load;

    @AfterEach
    void stop() throws Exception
    {
        if (load != null)
            load.close();
        nserv.saveOutput("JsonAndAccessLogRestartIT");
        nserv.close();
    }

    @Test
    void bothGenerationsWriteWholeJsonLinesAndOneAccessLinePerRequest() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        Path accessLog = tmp.resolve("access.log");
        // the format comes from jetty.xml (read before logging starts; the flag --log-format json does the same), the
        // access log from the flag
        Path config = tmp.resolve("logs.xml");
        java.nio.file.Files.writeString(config, "<?xml version=\"1.0\"?>\n"
            + "<!DOCTYPE Configure PUBLIC \"-//Jetty//Configure//EN\" \"https://jetty.org/configure_10_0.dtd\">\n"
            + "<Configure id=\"Server\" class=\"org.eclipse.jetty.server.Server\">\n"
            + "  <Ref refid=\"Logs\"><Set name=\"format\">json</Set></Ref>\n</Configure>\n");
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(),
            "--config", config.toString(), "--access-log", accessLog.toString(), "--drain-timeout", "10s"));
        int port = nserv.awaitPort("http");
        long firstPid = nserv.first().orElseThrow().pid();

        load = new HttpLoad(port, 2, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 200);
        NservProcesses.CtlResult restart = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(restart.code).as(restart.toString()).isZero();
        long secondPid = Long.parseLong(NservProcesses.field(nserv.ctl("--socket", socket.toString(), "status").out, "pid"));
        long before = load.ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > before + 200);
        load.close();
        assertThat(load.failures()).as("failed requests").isEmpty();
        assertThat(load.failed()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> nserv.livePids().equals(List.of(secondPid)));

        // every request the clients sent is one whole line (each generation logs as its requests complete)
        long sent = load.ok();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readAllLines(accessLog, StandardCharsets.UTF_8).size() >= sent);
        List<String> access = Files.readAllLines(accessLog, StandardCharsets.UTF_8);
        assertThat(Files.readString(accessLog, StandardCharsets.UTF_8)).endsWith("\n");
        assertThat(access).as("access log lines vs requests sent").hasSize((int)sent);
        for (String line : access)
            assertThat(NCSA.matcher(line).matches()).as("a whole NCSA line: %s", line).isTrue();

        // every output line of both generations (stdout and stderr together) is one JSON object with the fields
        List<String> output = nserv.output();
        Map<Integer, Set<Long>> pidsByGeneration = new HashMap<>();
        for (String line : output)
        {
            Object parsed;
            try
            {
                parsed = JsonReader.read(line);
            }
            catch (RuntimeException x)
            {
                throw new AssertionError("not one JSON object: " + line, x);
            }
            assertThat(parsed).as(line).isInstanceOf(Map.class);
            @SuppressWarnings("unchecked")
            Map<String, Object> event = (Map<String, Object>)parsed;
            Set<String> keys = new HashSet<>(event.keySet());
            keys.remove("error");
            assertThat(keys).as(line).isEqualTo(FIELDS);
            int generation = ((Number)event.get("generation")).intValue();
            pidsByGeneration.computeIfAbsent(generation, g -> new HashSet<>()).add(((Number)event.get("pid")).longValue());
        }
        assertThat(pidsByGeneration).containsOnlyKeys(1, 2);
        assertThat(pidsByGeneration.get(1)).containsExactly(firstPid);
        assertThat(pidsByGeneration.get(2)).containsExactly(secondPid);
        assertThat(output).anyMatch(l -> l.contains("nserv: ready (generation 2, pid " + secondPid + ")"));
        System.out.printf("JsonAndAccessLogRestartIT: %d requests, %d access log lines, %d JSON output lines of generations %s%n",
            sent, access.size(), output.size(), pidsByGeneration);
    }
}
