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

    @Test
    void sessionStoreAndStateDirectory() throws Exception
    {
        assertThat(ModuleProperties.parseSessionStore("nserv.sessionStore", " file ")).isEqualTo("file");
        assertThat(ModuleProperties.parseSessionStore("nserv.sessionStore", "jdbc:postgresql://db/app")).isEqualTo("jdbc:postgresql://db/app");
        assertThatThrownBy(() -> ModuleProperties.parseSessionStore("nserv.sessionStore", "redis"))
            .hasMessage("nserv.sessionStore=redis is not a session store: use file (under nserv.stateDir), memory (lost on restart) or a jdbc: URL such as jdbc:postgresql://host:5432/db");
        Path dir = java.nio.file.Files.createTempDirectory("nserv-state-test");
        try
        {
            assertThat(ModuleProperties.parseDirectory("nserv.stateDir", dir.resolve("missing").toString())).isEqualTo(dir.resolve("missing").toString());
            Path file = java.nio.file.Files.createFile(dir.resolve("f"));
            assertThatThrownBy(() -> ModuleProperties.parseDirectory("nserv.stateDir", file.toString()))
                .hasMessage("nserv.stateDir=" + file + " is a file, not a directory; name a directory");
            assertThatThrownBy(() -> ModuleProperties.parseDirectory("nserv.stateDir", " "))
                .hasMessageStartingWith("nserv.stateDir is empty: name a directory");
            java.nio.file.Files.delete(file);
        }
        finally
        {
            java.nio.file.Files.delete(dir);
        }
    }

    @Test
    void startFailureIsDescribedByItsCausesOnce()
    {
        Exception bind = new java.io.IOException("Failed to bind to /127.0.0.1:8080", new java.net.BindException("Address already in use"));
        assertThat(NservModule.describe(bind)).isEqualTo("Failed to bind to /127.0.0.1:8080: Address already in use");
        Exception wrapped = new java.io.IOException("no socket", new java.io.IOException("no socket"));
        assertThat(NservModule.describe(wrapped)).isEqualTo("no socket");
        assertThat(NservModule.describe(new IllegalStateException())).isEqualTo("IllegalStateException");
    }

    @Test
    void adminHostAndPort()
    {
        assertThat(ModuleProperties.parsePort("nserv.adminPort", " 9090 ")).isEqualTo(9090);
        assertThat(ModuleProperties.parsePort("nserv.adminPort", "0")).isZero();
        assertThat(ModuleProperties.parseHost("nserv.adminHost", "127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(ModuleProperties.parseHost("nserv.adminHost", " ")).isNull();
        assertThatThrownBy(() -> ModuleProperties.parsePort("nserv.adminPort", "70000"))
            .hasMessage("nserv.adminPort=70000 is not a port: it must be from 0 to 65535 (0 for any free port)");
        assertThatThrownBy(() -> ModuleProperties.parsePort("nserv.adminPort", "metrics"))
            .hasMessage("nserv.adminPort=metrics is not a port number");
        assertThatThrownBy(() -> ModuleProperties.parseHost("nserv.adminHost", "no-such-host.invalid"))
            .hasMessageStartingWith("nserv.adminHost=no-such-host.invalid does not resolve: use an address such as 127.0.0.1");
    }
}
