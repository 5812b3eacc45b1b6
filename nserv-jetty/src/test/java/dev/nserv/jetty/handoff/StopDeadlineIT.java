package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import dev.nserv.jetty.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A webapp whose clean-up never ends (a {@code contextDestroyed} that sleeps in a loop and ignores interrupts): the
 * stop deadline ends the generation with exit code 3, names the webapp and the stuck code, and a generation stuck
 * like that after a restart does not block the next restart.
 */
class StopDeadlineIT
{
    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();

    @AfterEach
    void stop()
    {
        nserv.saveOutput("StopDeadlineIT");
        nserv.close();
    }

    /** An exploded webapp {@code hang/} whose listener ignores every interrupt in contextDestroyed. */
    private Path webappsWithHangingCleanUp() throws IOException
    {
        Path webapps = Files.createDirectory(tmp.resolve("webapps"));
        Path classes = Files.createDirectories(webapps.resolve("hang/WEB-INF/classes"));
        Path source = Files.createDirectories(tmp.resolve("src/hang")).resolve("Careless.java");
        Files.writeString(source, String.join("\n",
            "package hang;",
            "@jakarta.servlet.annotation.WebListener",
            "public class Careless implements jakarta.servlet.ServletContextListener {",
            "  @Override public void contextDestroyed(jakarta.servlet.ServletContextEvent e) {",
            "    while (true) { try { Thread.sleep(1000); } catch (InterruptedException ignored) { } }",
            "  }",
            "}",
            ""));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int result = javac.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"), source.toString());
        assertThat(result).as("compiling the careless webapp").isZero();
        Files.writeString(webapps.resolve("hang/index.html"), "hanging webapp\n");
        return webapps;
    }

    @Test
    void aHangingCleanUpEndsAtTheDeadlineWithCode3AndDoesNotBlockTheNextRestart() throws Exception
    {
        Path webapps = webappsWithHangingCleanUp();
        Path socket = tmp.resolve("ctl.sock");
        Process first = nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(),
            "--webapps", webapps.toString(), "--scan-interval", "0", "--drain-timeout", "1s", "--stop-deadline", "4s"));
        int port = nserv.awaitPort("http");
        try (RawHttp http = new RawHttp(port))
        {
            assertThat(http.get("/hang/").body()).contains("hanging webapp");
        }

        // generation 1 hands off, then hangs in its clean-up: the deadline ends it
        NservProcesses.CtlResult restart = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(restart.code).as(restart.toString()).isZero();
        long handedOff = System.nanoTime();
        assertThat(first.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("generation 1 ended by its stop deadline").isTrue();
        assertThat(first.exitValue()).isEqualTo(3);
        assertThat(Duration.ofNanos(System.nanoTime() - handedOff)).isLessThan(Duration.ofSeconds(20));
        assertThat(nserv.outputText())
            .contains("stop deadline of 4000 ms passed")
            .contains("still stopping: context /hang")
            .contains("hang.Careless.contextDestroyed");

        // the next restart is not refused for a generation that would never have stopped
        await().atMost(Duration.ofSeconds(20)).until(() -> !NservProcesses.field(nserv.ctl("--socket", socket.toString(), "status").out, "restart").startsWith("waiting"));
        NservProcesses.CtlResult again = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(again.code).as(again.toString()).isZero();
        assertThat(again.out).contains("generation 3");
        try (RawHttp http = new RawHttp(port))
        {
            assertThat(http.get("/hang/").status()).isEqualTo(200);
        }

        // a plain stop of the last generation ends at its deadline too, with code 3
        NservProcesses.CtlResult stop = nserv.ctl("--socket", socket.toString(), "stop");
        assertThat(stop.code).as(stop.toString()).isZero();
        List<Long> live = nserv.livePids();
        await().atMost(Duration.ofSeconds(30)).until(() -> nserv.livePids().isEmpty());
        assertThat(live).isNotEmpty();
    }
}
