package dev.nserv.jetty.handoff;

import java.util.ArrayList;
import java.util.List;

import dev.nserv.jetty.NservServer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The gate of {@link Restarter}: when a restart is refused, and what it reports; no successor is started. */
class RestarterTest
{
    private final List<String> events = new ArrayList<>();
    private NservServer nserv;

    @AfterEach
    void stop() throws Exception
    {
        if (nserv != null && nserv.getServer().isStarted())
            nserv.getServer().stop();
    }

    private Restarter restarter()
    {
        return new Restarter(nserv, new dev.nserv.jetty.sockets.InheritedListeners(java.util.Map.of(), ProcessHandle.current().pid(), false), new Restarter.Events()
        {
            @Override
            public void handedOff(long successorPid)
            {
                events.add("handedOff " + successorPid);
            }

            @Override
            public void rolledBack(String cause)
            {
                events.add("rolledBack " + cause);
            }
        });
    }

    @Test
    void aGenerationThatIsNotReadyRefusesToRestart()
    {
        nserv = new NservServer(new Server());
        Restarter restarter = restarter();
        assertThatThrownBy(restarter::restartOrFail).isInstanceOf(IllegalStateException.class).hasMessageContaining("is not ready yet");
        assertThat(restarter.getLastResult()).startsWith("failed: cannot restart: generation").endsWith("is not ready yet");
        assertThat(restarter.getState()).isEqualTo("idle");
        assertThat(restarter.isRestartInProgress()).isFalse();
        assertThat(events).isEmpty();
    }

    @Test
    void withoutAControlSocketARestartIsRefusedAndTheListenersAreStillListed() throws Exception
    {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setName("http");
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        nserv = new NservServer(server);
        nserv.start();
        Restarter restarter = restarter();
        assertThatThrownBy(restarter::restart).isInstanceOf(IllegalStateException.class).hasMessage("cannot restart: the server has not finished starting");
        assertThat(restarter.getListeners()).singleElement().asString().contains("127.0.0.1:" + connector.getLocalPort());
        assertThat(events).isEmpty();
    }

    @Test
    void pidOneOfAContainerRefusesToRestartBecauseItsExitWouldKillTheSuccessor()
    {
        nserv = new NservServer(new Server())
        {
            @Override
            public long getPid()
            {
                return 1;
            }
        };
        Restarter restarter = restarter();
        assertThatThrownBy(restarter::restartOrFail).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("PID 1 of its PID namespace")
            .hasMessageContaining("--supervise");
        assertThat(restarter.isRestartInProgress()).isFalse();
        assertThat(events).isEmpty();
    }

    @Test
    void aDrainingPredecessorBlocksTheNextRestart() throws Exception
    {
        nserv = new NservServer(new Server());
        Restarter restarter = restarter();
        restarter.state().predecessor(new RestartState.Neighbour(4, 4242, null));
        assertThat(restarter.getState()).isEqualTo("waiting for generation 4 (pid 4242) to finish draining");
        restarter.state().predecessor(null);
        assertThat(restarter.getState()).isEqualTo("idle");
    }

    @Test
    void settersRefuseNonsense()
    {
        nserv = new NservServer(new Server());
        Restarter restarter = restarter();
        assertThatThrownBy(() -> restarter.setReadyTimeout(999)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("readyTimeout");
        assertThatThrownBy(() -> restarter.setTerminateGrace(java.time.Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("terminateGrace");
    }
}
