package dev.nserv.jetty.home;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModulePropertiesTest
{
    @TempDir
    Path tmp;

    @Test
    void valuesInRangeAreRead()
    {
        assertThat(ModuleProperties.parseCount("nserv.maxConnections", " 500 ", 1)).isEqualTo(500);
        assertThat(ModuleProperties.parseMillis("nserv.drainTimeout", "30000", 1, false)).isEqualTo(30000);
        assertThat(ModuleProperties.parseMillis("nserv.stopDeadline", "-1", 1000, true)).isEqualTo(-1);
        assertThat(ModuleProperties.parseOverloadPolicy("nserv.overloadPolicy", "shed")).isEqualTo("SHED");
        assertThat(ModuleProperties.parseProbePath("nserv.readinessPath", "/readyz")).isEqualTo("/readyz");
        assertThat(ModuleProperties.parseProbePath("nserv.readinessPath", "")).isNull();
        assertThat(ModuleProperties.parseFile("nserv.pidFile", "")).isNull();
        assertThat(ModuleProperties.parseFile("nserv.pidFile", tmp.resolve("n.pid").toString())).isEqualTo(tmp.resolve("n.pid").toString());
    }

    @Test
    void badValuesNameThePropertyTheValueAndTheFix()
    {
        assertThatThrownBy(() -> ModuleProperties.parseCount("nserv.maxConnections", "lots", 1))
            .hasMessage("nserv.maxConnections=lots is not a whole number");
        assertThatThrownBy(() -> ModuleProperties.parseCount("nserv.maxConnections", "0", 1))
            .hasMessage("nserv.maxConnections=0 is out of range: it must be from 1 to 2147483647");
        assertThatThrownBy(() -> ModuleProperties.parseMillis("nserv.drainTimeout", "30s", 1, false))
            .hasMessage("nserv.drainTimeout=30s is not a whole number of milliseconds (no unit: nserv.drainTimeout is in milliseconds)");
        assertThatThrownBy(() -> ModuleProperties.parseMillis("nserv.stopDeadline", "500", 1000, true))
            .hasMessage("nserv.stopDeadline=500 is too small: it must be at least 1000 ms, or -1 for the default");
        assertThatThrownBy(() -> ModuleProperties.parseOverloadPolicy("nserv.overloadPolicy", "drop"))
            .hasMessageStartingWith("nserv.overloadPolicy=drop is not an overload policy: use WAIT");
        assertThatThrownBy(() -> ModuleProperties.parseProbePath("nserv.livenessPath", "livez"))
            .hasMessageStartingWith("nserv.livenessPath=livez is not a request path");
        assertThatThrownBy(() -> ModuleProperties.parseFile("nserv.pidFile", tmp.resolve("missing/n.pid").toString()))
            .hasMessageContaining("the directory " + tmp.resolve("missing") + " does not exist");
        assertThatThrownBy(() -> ModuleProperties.parseFile("nserv.pidFile", tmp.toString()))
            .hasMessageStartingWith("nserv.pidFile=" + tmp + " is a directory");
    }
}
