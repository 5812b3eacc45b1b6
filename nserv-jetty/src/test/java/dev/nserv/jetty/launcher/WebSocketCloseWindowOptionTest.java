package dev.nserv.jetty.launcher;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebSocketCloseWindowOptionTest
{
    @Test
    void defaultsToOneSecondAndAcceptsZeroToSixtySeconds()
    {
        assertThat(LauncherOptions.parse().websocketCloseWindow).isEqualTo(Duration.ofSeconds(1));
        assertThat(LauncherOptions.parse("--websocket-close-window", "0").websocketCloseWindow).isZero();
        assertThat(LauncherOptions.parse("--websocket-close-window=250ms").websocketCloseWindow).isEqualTo(Duration.ofMillis(250));
        assertThat(LauncherOptions.parse("--websocket-close-window", "60s").websocketCloseWindow).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void refusesValuesOutsideTheRangeNamingTheOption()
    {
        assertThatThrownBy(() -> LauncherOptions.parse("--websocket-close-window", "61s"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--websocket-close-window must be at most 60s, was 61000 ms");
        assertThatThrownBy(() -> LauncherOptions.parse("--websocket-close-window", "-1s"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--websocket-close-window");
        assertThatThrownBy(() -> LauncherOptions.parse("--websocket-close-window", "soon"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'soon'");
    }

    @Test
    void theAssembledServerHasTheCloserWithTheWindow() throws Exception
    {
        dev.nserv.jetty.NservServer nserv = new ServerAssembler(LauncherOptions.parse("--port", "0", "--websocket-close-window", "300ms")).assemble();
        assertThat(nserv.getServer().getBean(dev.nserv.jetty.websocket.WebSocketCloser.class).getCloseWindow()).isEqualTo(300);
    }
}
