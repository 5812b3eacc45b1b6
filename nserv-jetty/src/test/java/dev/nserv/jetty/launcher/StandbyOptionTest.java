package dev.nserv.jetty.launcher;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StandbyOptionTest
{
    private final LauncherOutput io = new LauncherOutput();

    @Test
    void theFlagTakesADurationOrOff()
    {
        assertThat(LauncherOptions.parse("--standby", "10s").standbyDelay).isEqualTo(Duration.ofSeconds(10));
        assertThat(LauncherOptions.parse("--standby", "0").standbyDelay).isEqualTo(Duration.ZERO);
        assertThat(LauncherOptions.parse("--standby", "off").standbyDelay).isNull();
        assertThat(LauncherOptions.parse().standbyDelay).as("off by default").isNull();
    }

    @Test
    void badValuesAreOneClearError()
    {
        assertThat(io.oneError("--standby", "soon")).contains("--standby").contains("soon");
        assertThat(io.oneError("--standby", "-5s")).contains("--standby").contains("-5s");
        assertThat(io.oneError("--standby", "5s", "--successor-command", "java -jar /opt/nserv.jar"))
            .startsWith("nserv: error: --standby needs the default successor command: a standby is started from this process's own command line, and --successor-command is set\n");
    }
}
