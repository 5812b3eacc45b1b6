package dev.nserv.jetty.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 20 SIGHUPs in 2 s to a real nserv JVM leave 20 log lines: one restart runs (its successor fails after a second,
 * so the generation stays and every signal reaches the same process) and the signals that arrive meanwhile are
 * logged as coalesced.
 */
class SighupIT
{
    private static final int SIGNALS = 20;

    @TempDir
    Path dir;

    @Test
    void everySighupIsLogged() throws Exception
    {
        Path successor = dir.resolve("failing-successor.sh");
        Files.writeString(successor, "#!/bin/sh\nsleep 1\necho failing successor >&2\nexit 3\n");
        Files.setPosixFilePermissions(successor, PosixFilePermissions.fromString("rwx------"));
        try (ChildNserv nserv = new ChildNserv("--control-socket", dir.resolve("ctl.sock").toString(), "--successor-command", successor.toString()))
        {
            await().atMost(Duration.ofSeconds(30)).until(() -> nserv.outputText().contains("ready; restart with"));
            for (int i = 0; i < SIGNALS; i++)
            {
                Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(nserv.pid())).inheritIO().start();
                assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(kill.exitValue()).isZero();
                // 100 ms apart: further apart than the kernel's merging of a pending signal
                await().pollDelay(Duration.ofMillis(100)).atMost(Duration.ofSeconds(1)).until(() -> true);
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(count(nserv, ".*SIGHUP #\\d+: .*")).as(nserv.outputText()).isEqualTo(SIGNALS));
            // every restart a SIGHUP started ends with a result line
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(count(nserv, ".*SIGHUP restart: .*")).as(nserv.outputText()).isEqualTo(count(nserv, ".*SIGHUP #\\d+: restart requested.*")));
            String text = nserv.outputText();
            for (int i = 1; i <= SIGNALS; i++)
                assertThat(text).contains("SIGHUP #" + i + ": ");
            assertThat(text).as(text).contains("restart already in progress").contains("SIGHUP restart: ").contains("exited with code 3");
            assertThat(count(nserv, ".*SIGHUP #\\d+: restart requested.*")).isPositive();
        }
    }

    private static long count(ChildNserv nserv, String regex)
    {
        return Arrays.stream(nserv.outputText().split("\n")).filter(line -> line.matches(regex)).count();
    }
}
