package dev.nserv.jetty.supervise;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SupervisorStatusTest
{
    @Test
    void describesHowAGenerationEnded()
    {
        assertThat(Supervisor.describeStatus(3 << 8)).isEqualTo("exited with code 3");
        assertThat(Supervisor.describeStatus(9)).isEqualTo("was killed by signal 9");
        assertThat(Supervisor.describeExit(137)).isEqualTo("was killed by signal 9");
        assertThat(Supervisor.describeExit(1)).isEqualTo("exited with code 1");
    }
}
