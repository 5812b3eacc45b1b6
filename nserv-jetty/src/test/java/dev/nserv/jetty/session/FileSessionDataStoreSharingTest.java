package dev.nserv.jetty.session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.FileSessionDataStoreFactory;
import org.eclipse.jetty.session.SessionCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Measures Jetty's own {@code FileSessionDataStore} when two servers share its directory, as the old and the new
 * generation of a restart do. A correct shared store would show the counts 1, 2, 3, ... whichever server answers.
 * These assertions record what Jetty 12.1.10 does (see FACTS.md "HTTP sessions"); they are why nserv has its own
 * {@link FileSessionStore}.
 */
class FileSessionDataStoreSharingTest
{
    @TempDir
    Path dir;

    private static FileSessionDataStoreFactory jettyFileStore(Path dir)
    {
        FileSessionDataStoreFactory store = new FileSessionDataStoreFactory();
        store.setStoreDir(dir.toFile());
        return store;
    }

    private static DefaultSessionCacheFactory cache(int evictionPolicy)
    {
        DefaultSessionCacheFactory cache = new DefaultSessionCacheFactory();
        cache.setEvictionPolicy(evictionPolicy);
        return cache;
    }

    /**
     * Stops the servers of a measurement. Jetty's stock cache can fail its own stop with "Invalid for read ... not
     * resident" (its shutdown races with a request that just released the session: seen here once in three CI runs):
     * part of what this test documents about the stock store, not a result; anything else still fails the test.
     */
    private static void stopMeasured(Server... servers) throws Exception
    {
        for (Server server : servers)
        {
            try
            {
                server.stop();
            }
            catch (Exception x)
            {
                if (!notResident(x))
                    throw x;
            }
        }
    }

    private void awaitOneSettledFile()
    {
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10)).until(() ->
        {
            try (Stream<Path> files = Files.list(dir))
            {
                return files.count() == 1;
            }
        });
    }

    private static boolean notResident(Throwable x)
    {
        if (x == null)
            return false;
        if (x.getMessage() != null && x.getMessage().contains("not resident"))
            return true;
        for (Throwable suppressed : x.getSuppressed())
        {
            if (notResident(suppressed))
                return true;
        }
        return x.getCause() != x && notResident(x.getCause());
    }

    @Test
    void stockCacheAcrossARestartLosesAndRevertsUpdates() throws Exception
    {
        List<Integer> counts = new ArrayList<>();
        try (SessionServers.Client client = new SessionServers.Client())
        {
            Server a = SessionServers.start(jettyFileStore(dir), cache(SessionCache.NEVER_EVICT));
            counts.add(client.hit(a));
            counts.add(client.hit(a));
            // Jetty saves after the response and renames the file on each save (delete, then write): let the last
            // save land, so that the successor's one scan of the directory finds the session (else it starts a new one)
            awaitOneSettledFile();
            // the successor starts and indexes the directory while the old generation still serves
            Server b = SessionServers.start(jettyFileStore(dir), cache(SessionCache.NEVER_EVICT));
            counts.add(client.hit(b));
            counts.add(client.hit(a)); // a request the old generation still serves
            counts.add(client.hit(b));
            stopMeasured(a);
            counts.add(client.hit(b));
            stopMeasured(b);
            Server c = SessionServers.start(jettyFileStore(dir), cache(SessionCache.NEVER_EVICT));
            counts.add(client.hit(c));
            stopMeasured(c);
        }
        // correct would be 1..7; measured: the old generation answers from its stale cache (3 again), and the
        // successor keeps its own copy (4), so updates are lost
        System.out.println("stock FileSessionDataStore + DefaultSessionCache(NEVER_EVICT): " + counts);
        assertThat(counts).isNotEqualTo(List.of(1, 2, 3, 4, 5, 6, 7));
        assertThat(counts.subList(0, 3)).containsExactly(1, 2, 3);
        assertThat(counts.get(3)).as("the old generation's answer after the successor's update").isEqualTo(3);
    }

    @Test
    void sessionCreatedAfterTheOtherServerStartedIsInvisibleToIt() throws Exception
    {
        List<Integer> counts = new ArrayList<>();
        try (SessionServers.Client client = new SessionServers.Client())
        {
            Server a = SessionServers.start(jettyFileStore(dir), cache(SessionCache.EVICT_ON_SESSION_EXIT));
            Server b = SessionServers.start(jettyFileStore(dir), cache(SessionCache.EVICT_ON_SESSION_EXIT));
            counts.add(client.hit(a));
            counts.add(client.hit(a));
            counts.add(client.hit(b));
            counts.add(client.hit(a));
            stopMeasured(a, b);
        }
        // even without a cache, B's index (built at its start) does not know the session A created later
        System.out.println("stock FileSessionDataStore + DefaultSessionCache(EVICT_ON_SESSION_EXIT), both started first: " + counts);
        assertThat(counts.subList(0, 2)).containsExactly(1, 2);
        assertThat(counts.get(2)).as("B's answer for A's session").isEqualTo(1);
    }

    @Test
    void withoutACacheTheOldGenerationLosesTheSessionOnceTheSuccessorSavedIt() throws Exception
    {
        List<Integer> counts = new ArrayList<>();
        try (SessionServers.Client client = new SessionServers.Client())
        {
            Server a = SessionServers.start(jettyFileStore(dir), cache(SessionCache.EVICT_ON_SESSION_EXIT));
            counts.add(client.hit(a));
            counts.add(client.hit(a));
            Server b = SessionServers.start(jettyFileStore(dir), cache(SessionCache.EVICT_ON_SESSION_EXIT));
            counts.add(client.hit(b));
            counts.add(client.hit(a));
            stopMeasured(a, b);
        }
        // B renamed the session's file (the name carries the expiry); A still maps the id to the old name
        System.out.println("stock FileSessionDataStore + DefaultSessionCache(EVICT_ON_SESSION_EXIT), successor started second: " + counts);
        assertThat(counts.subList(0, 3)).containsExactly(1, 2, 3);
        assertThat(counts.get(3)).as("the old generation's answer after the successor saved the session").isEqualTo(1);
    }
}
