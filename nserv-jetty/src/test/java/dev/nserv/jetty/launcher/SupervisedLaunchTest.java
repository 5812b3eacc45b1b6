package dev.nserv.jetty.launcher;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SupervisedLaunchTest
{
    @Test
    void generationsRunTheSameCommandWithoutSuperviseAndPidFile()
    {
        assertThat(SupervisedLaunch.generationCommand(List.of("java", "-Xmx64m", "-jar", "nserv.jar", "--supervise", "--port", "8080", "--pid-file", "/run/nserv.pid",
            "--pid-file=/run/x.pid", "--drain-timeout", "20s")))
            .containsExactly("java", "-Xmx64m", "-jar", "nserv.jar", "--port", "8080", "--drain-timeout", "20s");
    }

    @Test
    void superviseIsAFlagAndRefusesFd0()
    {
        assertThat(LauncherOptions.parse("--supervise").supervise).isTrue();
        assertThat(LauncherOptions.parse().supervise).isFalse();
        assertThatThrownBy(() -> LauncherOptions.parse("--supervise", "--inherit-fd0")).hasMessageContaining("--supervise cannot adopt fd 0");
    }
}
