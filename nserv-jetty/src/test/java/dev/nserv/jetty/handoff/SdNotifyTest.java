package dev.nserv.jetty.handoff;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SdNotifyTest
{
    @TempDir
    Path tmp;

    @Test
    void sendsToAPathSocket() throws Exception
    {
        try (NotifySocket systemd = new NotifySocket(tmp.resolve("notify").toString()))
        {
            assertThat(new SdNotify(systemd.name()).notify("READY=1\nSTATUS=serving")).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> systemd.messages().contains("READY=1\nSTATUS=serving"));
        }
    }

    @Test
    void sendsToAnAbstractSocket() throws Exception
    {
        try (NotifySocket systemd = new NotifySocket("@nserv-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime()))
        {
            assertThat(new SdNotify(systemd.name()).notify("MAINPID=42")).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> systemd.messages().contains("MAINPID=42"));
        }
    }

    @Test
    void doesNothingOutsideSystemdOrWhenNobodyListens()
    {
        assertThat(new SdNotify(null).notify("READY=1")).isFalse();
        assertThat(new SdNotify("").isEnabled()).isFalse();
        assertThat(new SdNotify(tmp.resolve("nobody").toString()).notify("READY=1")).isFalse();
    }
}
