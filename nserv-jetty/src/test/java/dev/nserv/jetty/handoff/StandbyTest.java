package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The generation's side of a standby, against a real child process that records its stdin ({@code cat}): what it is
 * told, and when it counts as stale.
 */
class StandbyTest
{
    @TempDir
    Path tmp;

    private Standby standby;

    @AfterEach
    void end()
    {
        if (standby != null)
            standby.cancel(Duration.ofSeconds(5));
    }

    private Standby start(Path jar, String key) throws IOException
    {
        Path received = tmp.resolve("stdin.txt");
        standby = Standby.start(List.of("sh", "-c", "cat > '" + received + "'"), Map.of("PATH", System.getenv("PATH")), 2, key, null,
            List.of("org.eclipse.jetty.server.Server", "dev.nserv.jetty.NservServer"), List.of(jar), new OutputTail(10));
        return standby;
    }

    @Test
    void goTellsTheClassesThenTheRestartsEnvironment() throws Exception
    {
        Path jar = Files.writeString(tmp.resolve("nserv.jar"), "code");
        Standby started = start(jar, "log format text");
        assertThat(started.staleReason(2, "log format text")).isNull();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NSERV_HANDOFF_SOCKET", "/run/x/h.sock");
        env.put("NSERV_GENERATION", "2");
        SuccessorProcess process = started.go(env);
        assertThat(process.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("cat ends with its stdin").isTrue();
        assertThat(process.process().exitValue()).isZero();
        assertThat(Files.readString(tmp.resolve("stdin.txt"))).isEqualTo("""
            nserv-standby 1
            class org.eclipse.jetty.server.Server
            class dev.nserv.jetty.NservServer
            prepare
            env NSERV_HANDOFF_SOCKET=/run/x/h.sock
            env NSERV_GENERATION=2
            go
            """);
    }

    @Test
    void aStandbyIsStaleWhenItsCodeOrKeyOrGenerationChangedOrItDied() throws Exception
    {
        Path jar = Files.writeString(tmp.resolve("nserv.jar"), "code");
        Standby started = start(jar, "log format text");
        long pid = started.pid();
        assertThat(started.staleReason(3, "log format text")).isEqualTo("the standby (pid " + pid + ") was started as generation 2, not 3");
        assertThat(started.staleReason(2, "log format json"))
            .isEqualTo("the standby (pid " + pid + ") started with log format text, and now it would be log format json");

        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 10_000));
        assertThat(started.staleReason(2, "log format text")).isEqualTo(jar + " changed since the standby (pid " + pid + ") started");
        Files.delete(jar);
        assertThat(started.staleReason(2, "log format text")).startsWith(jar + " changed since");

        assertThat(started.cancel(Duration.ofSeconds(5))).as("the end of stdin ends it").isEqualTo("exited with code 0");
        await().atMost(Duration.ofSeconds(5)).until(() -> !started.process().isAlive());
        assertThat(started.staleReason(2, "log format text")).isEqualTo("the standby (pid " + pid + ") exited with code 0");
    }

    @Test
    void aVariableThatCannotBeOneLineIsRefusedBeforeAnythingIsSent() throws Exception
    {
        Standby started = start(Files.writeString(tmp.resolve("nserv.jar"), "code"), "");
        assertThatThrownBy(() -> started.go(Map.of("MULTI", "one\ntwo")))
            .isInstanceOf(IOException.class)
            .hasMessage("the environment variable 'MULTI' cannot be sent to a standby (a line break or NUL in it)");
        assertThat(started.process().isAlive()).as("nothing was sent; the caller ends it").isTrue();
    }
}
