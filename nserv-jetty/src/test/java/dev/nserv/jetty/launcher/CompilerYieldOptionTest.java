package dev.nserv.jetty.launcher;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CompilerYieldOptionTest
{
    private final LauncherOutput io = new LauncherOutput();

    @Test
    void theFlagTakesADurationOrOff()
    {
        assertThat(LauncherOptions.parse().compilerYield).as("default").isEqualTo(Duration.ofSeconds(10));
        assertThat(LauncherOptions.parse("--compiler-yield", "3s").compilerYield).isEqualTo(Duration.ofSeconds(3));
        assertThat(LauncherOptions.parse("--compiler-yield", "off").compilerYield).isZero();
        assertThat(LauncherOptions.parse("--compiler-yield", "0").compilerYield).isZero();
    }

    @Test
    void badValuesAreOneClearError()
    {
        assertThat(io.oneError("--compiler-yield", "later")).contains("--compiler-yield").contains("later");
        assertThat(io.oneError("--compiler-yield", "-1s")).contains("--compiler-yield").contains("-1s");
        assertThat(io.oneError("--compiler-yield", "11m")).startsWith("nserv: error: --compiler-yield must be at most 600s, was 660s\n");
    }
}
