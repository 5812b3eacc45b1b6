package dev.nserv.jetty.sockets;

import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ListenerNamesTest
{
    @Test
    void aConnectorGoesByItsNameElseByItsPositionAmongServerConnectors()
    {
        Server server = new Server();
        ServerConnector http = new ServerConnector(server);
        http.setName("http");
        ServerConnector unnamed = new ServerConnector(server);
        ServerConnector blank = new ServerConnector(server);
        blank.setName(" ");
        server.addConnector(http);
        // not a ServerConnector: no listening socket, no name, not counted
        server.addConnector(new LocalConnector(server));
        server.addConnector(unnamed);
        server.addConnector(blank);

        assertThat(ListenerNames.names(server)).containsExactly("http", "#1", "#2");
        assertThat(ListenerNames.of(server)).extracting(ListenerNames.Named::connector).containsExactly(http, unnamed, blank);
        assertThat(ListenerNames.nameOf(unnamed)).isEqualTo("#1");
        assertThat(ListenerNames.nameOf(http)).isEqualTo("http");
    }

    @Test
    void aConnectorOutsideItsServerHasNoName()
    {
        Server server = new Server();
        ServerConnector loose = new ServerConnector(server);
        assertThatThrownBy(() -> ListenerNames.nameOf(loose))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("is not one of its server's connectors");
    }
}
