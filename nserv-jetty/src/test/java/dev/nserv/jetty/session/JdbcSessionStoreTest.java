package dev.nserv.jetty.session;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions in a real PostgreSQL server shared by two servers, as two machines behind a load balancer share it: a
 * client whose requests alternate between them keeps one session, also across a stop and start of each.
 */
class JdbcSessionStoreTest
{
    private static PostgresCluster postgres;

    @BeforeAll
    static void startDatabase() throws Exception
    {
        postgres = PostgresCluster.start();
    }

    @AfterAll
    static void stopDatabase() throws Exception
    {
        if (postgres != null)
            postgres.close();
    }

    private static Server server() throws Exception
    {
        return SessionServers.start(new PersistentSessions(postgres.url(), ""));
    }

    @Test
    void alternatingClientKeepsOneSessionAcrossAStopAndStartOfEachServer() throws Exception
    {
        Server a = server();
        Server b = server();
        try (SessionServers.Client client = new SessionServers.Client())
        {
            int expected = 0;
            for (int i = 0; i < 10; i++)
                assertThat(client.hit(i % 2 == 0 ? a : b)).isEqualTo(++expected);
            String id = client.sessionId();

            a.stop();
            assertThat(client.hit(b)).isEqualTo(++expected);
            a = server();
            for (int i = 0; i < 6; i++)
                assertThat(client.hit(i % 2 == 0 ? a : b)).isEqualTo(++expected);

            b.stop();
            assertThat(client.hit(a)).isEqualTo(++expected);
            b = server();
            for (int i = 0; i < 6; i++)
                assertThat(client.hit(i % 2 == 0 ? b : a)).isEqualTo(++expected);
            assertThat(client.sessionId()).isEqualTo(id);
        }
        finally
        {
            a.stop();
            b.stop();
        }
    }

    @Test
    void aSessionThatNoLongerDeserializesIsACountedLoss() throws Exception
    {
        Server server = server();
        try (SessionServers.Client client = new SessionServers.Client())
        {
            assertThat(client.hit(server)).isEqualTo(1);
            assertThat(client.hit(server)).isEqualTo(2);
            String id = client.sessionId();
            try (Connection db = DriverManager.getConnection(postgres.url()))
            {
                byte[] map;
                try (PreparedStatement select = db.prepareStatement("select map from jettysessions where sessionid = ?"))
                {
                    select.setString(1, id);
                    try (ResultSet row = select.executeQuery())
                    {
                        assertThat(row.next()).isTrue();
                        map = row.getBytes(1);
                    }
                }
                try (PreparedStatement update = db.prepareStatement("update jettysessions set map = ? where sessionid = ?"))
                {
                    update.setBytes(1, SerializedClasses.changeSerialVersionUid(map, CounterServlet.Count.class));
                    update.setString(2, id);
                    assertThat(update.executeUpdate()).isEqualTo(1);
                }
            }
            assertThat(client.hit(server)).as("a new session").isEqualTo(1);
            assertThat(client.sessionId()).isNotEqualTo(id);
            assertThat(server.getBean(PersistentSessions.class).getSessionsLost()).isEqualTo(1);
            assertThat(client.hit(server)).isEqualTo(2);
        }
        finally
        {
            server.stop();
        }
    }
}
