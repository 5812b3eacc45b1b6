package dev.nserv.jetty.session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default session store shared by two servers at once, as the old and the new generation of a restart share it:
 * every request of a client adds exactly one to its session's count, whichever server answers.
 */
class FileSessionStoreTest
{
    @TempDir
    Path dir;

    private final List<Server> servers = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception
    {
        for (Server server : servers)
            server.stop();
    }

    private Server generation() throws Exception
    {
        Server server = SessionServers.start(new PersistentSessions(PersistentSessions.FILE, dir.toString()));
        servers.add(server);
        return server;
    }

    private static PersistentSessions sessions(Server server)
    {
        return server.getBean(PersistentSessions.class);
    }

    @Test
    void sessionAndEveryChangeSurviveGenerationsIncludingTheOldGenerationsLastRequests() throws Exception
    {
        try (SessionServers.Client client = new SessionServers.Client())
        {
            int expected = 0;
            Server old = generation();
            assertThat(client.hit(old)).isEqualTo(++expected);
            assertThat(client.hit(old)).isEqualTo(++expected);
            String id = client.sessionId();
            for (int restart = 0; restart < 3; restart++)
            {
                Server successor = generation(); // ready: both serve now
                for (int i = 0; i < 4; i++)
                {
                    assertThat(client.hit(successor)).isEqualTo(++expected);
                    assertThat(client.hit(old)).as("a request the old generation serves after the successor is ready").isEqualTo(++expected);
                }
                old.stop(); // must not write stale copies back
                assertThat(client.hit(successor)).isEqualTo(++expected);
                old = successor;
            }
            assertThat(client.sessionId()).isEqualTo(id);
        }
        try (Stream<Path> files = Files.list(dir.resolve("sessions").resolve("_app@0.0.0.0")))
        {
            assertThat(files.map(p -> p.getFileName().toString())).hasSize(1).noneMatch(name -> name.endsWith(".tmp"));
        }
    }

    @Test
    void manyClientsAlternatingBetweenTwoServersEachKeepOneSession() throws Exception
    {
        Server a = generation();
        Server b = generation();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try
        {
            List<Future<List<Integer>>> results = new ArrayList<>();
            for (int c = 0; c < 8; c++)
            {
                results.add(pool.submit(() ->
                {
                    List<Integer> counts = new ArrayList<>();
                    try (SessionServers.Client client = new SessionServers.Client())
                    {
                        for (int i = 0; i < 50; i++)
                            counts.add(client.hit(i % 2 == 0 ? a : b));
                    }
                    return counts;
                }));
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 1; i <= 50; i++)
                expected.add(i);
            for (Future<List<Integer>> result : results)
                assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo(expected);
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    @Test
    void aSessionThatNoLongerDeserializesIsACountedLossAndTheServerKeepsServing() throws Exception
    {
        Server server = generation();
        try (SessionServers.Client client = new SessionServers.Client())
        {
            assertThat(client.hit(server)).isEqualTo(1);
            assertThat(client.hit(server)).isEqualTo(2);
            String id = client.sessionId();
            Path file = dir.resolve("sessions").resolve("_app@0.0.0.0").resolve(id);
            // a new version of the webapp changed the attribute's class
            Files.write(file, SerializedClasses.changeSerialVersionUid(Files.readAllBytes(file), CounterServlet.Count.class));

            assertThat(client.hit(server)).as("a new session").isEqualTo(1);
            assertThat(client.sessionId()).isNotEqualTo(id);
            assertThat(sessions(server).getSessionsLost()).isEqualTo(1);
            assertThat(file).doesNotExist();
            assertThat(client.hit(server)).isEqualTo(2);
            assertThat(sessions(server).getSessionsLost()).isEqualTo(1);
        }
    }

    @Test
    void aSessionIdFromACookieNeverReachesOutsideTheStore() throws Exception
    {
        Server server = generation();
        Path outside = Files.writeString(dir.resolve("victim"), "x");
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + SessionServers.port(server) + "/app/counter"))
                .header("Cookie", "JSESSIONID=../../victim").build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith("1 ");
        assertThat(outside).hasContent("x");
    }
}
