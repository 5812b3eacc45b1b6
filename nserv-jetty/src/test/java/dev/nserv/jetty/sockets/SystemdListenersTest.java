package dev.nserv.jetty.sockets;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SystemdListenersTest
{
    private static final long PID = 4242;
    private static final List<String> CONNECTORS = List.of("http", "https");

    private static List<SystemdListeners.Assignment> plan(Map<String, String> env)
    {
        return SystemdListeners.plan(env, PID, CONNECTORS);
    }

    @Test
    void nothingWithoutVariablesOrForAnotherProcess()
    {
        assertThat(plan(Map.of())).isEmpty();
        assertThat(plan(Map.of("LISTEN_FDS", "1"))).isEmpty();
        assertThat(plan(Map.of("LISTEN_PID", "1", "LISTEN_FDS", "1"))).isEmpty();
        assertThat(plan(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "0"))).isEmpty();
    }

    @Test
    void fdsGoByOrderWithoutNames()
    {
        List<SystemdListeners.Assignment> plan = plan(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "2"));
        assertThat(plan).extracting(a -> a.fd).containsExactly(3, 4);
        assertThat(plan).extracting(a -> a.connector).containsExactly(0, 1);
        assertThat(plan.get(1).label).contains("fd 4").contains("by order");
    }

    @Test
    void fdsGoByNameWhenEveryNameIsAConnector()
    {
        List<SystemdListeners.Assignment> plan = plan(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "https:http"));
        assertThat(plan).extracting(a -> a.fd).containsExactly(3, 4);
        assertThat(plan).extracting(a -> a.connector).containsExactly(1, 0);
        assertThat(plan.get(0).label).contains("name 'https'");
    }

    @Test
    void systemdDefaultNamesGoByOrder()
    {
        List<SystemdListeners.Assignment> plan = plan(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "1", "LISTEN_FDNAMES", "nserv.socket"));
        assertThat(plan).extracting(a -> a.connector).containsExactly(0);
    }

    @Test
    void mismatchesAreClearErrors()
    {
        assertThatThrownBy(() -> plan(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "3")))
            .hasMessageContaining("systemd passed 3 sockets (LISTEN_FDS=3) but the server has 2 connector(s) [http, https]");
        assertThatThrownBy(() -> plan(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "http:admin")))
            .hasMessageContaining("[admin] match no connector of [http, https]");
        assertThatThrownBy(() -> plan(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "http:http")))
            .hasMessageContaining("names connector 'http' twice");
        assertThatThrownBy(() -> plan(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "http")))
            .hasMessageContaining("has 1 names but LISTEN_FDS=2");
        assertThatThrownBy(() -> plan(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "two")))
            .hasMessageContaining("LISTEN_FDS='two' is not a number");
        assertThatThrownBy(() -> plan(Map.of("LISTEN_PID", "x", "LISTEN_FDS", "1")))
            .hasMessageContaining("LISTEN_PID='x' is not a process id");
    }
}
