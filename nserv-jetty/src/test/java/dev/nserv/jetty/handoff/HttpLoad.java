package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.nserv.jetty.RawHttp;

/**
 * Bounded HTTP load for restart tests: clients that open a new connection per request and clients that keep
 * connections alive (reconnecting only after a {@code Connection: close} response). Every failed request (an I/O
 * error or a status other than 200) is counted and its message kept -- none is excused.
 * <p>
 * A keep-alive client checks its connection before each reuse ({@link KeptConnection}, with
 * {@link RawHttp#closedBeforeSend()}): a connection the server closed while it was idle is replaced before the request
 * is written, so that request was provably never sent and is not a failure. Anything that goes wrong once the request
 * is written counts.
 */
final class HttpLoad implements AutoCloseable
{
    private static final Pattern SERVED_BY = Pattern.compile("pid=(\\d+)");
    private static final Duration MAX_RUN = Duration.ofMinutes(3);

    private final int port;
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong staleConnections = new AtomicLong();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Set<Long> servedBy = ConcurrentHashMap.newKeySet();
    private final LoadThreads threads = new LoadThreads(MAX_RUN);

    HttpLoad(int port, int newConnectionClients, int keepAliveClients)
    {
        this.port = port;
        for (int i = 0; i < newConnectionClients; i++)
            threads.add("load-new-" + i, this::newConnectionClient);
        for (int i = 0; i < keepAliveClients; i++)
            threads.add("load-keepalive-" + i, this::keepAliveClient);
        threads.start();
    }

    private boolean go()
    {
        return threads.go();
    }

    private void record(RawHttp.Response response)
    {
        if (response.status() == 200)
        {
            ok.incrementAndGet();
            Matcher m = SERVED_BY.matcher(response.body());
            if (m.find())
                servedBy.add(Long.parseLong(m.group(1)));
        }
        else
        {
            fail("status " + response.status());
        }
    }

    private void fail(String message)
    {
        failed.incrementAndGet();
        if (failures.size() < 20)
            failures.add(message);
    }

    private void newConnectionClient()
    {
        while (go())
        {
            try (RawHttp http = new RawHttp(port))
            {
                record(http.get("/"));
            }
            catch (IOException | RuntimeException x)
            {
                fail("new connection: " + x);
            }
        }
    }

    private void keepAliveClient()
    {
        String lastServedBy = "";
        try (KeptConnection connection = new KeptConnection(port, staleConnections::incrementAndGet))
        {
            while (go())
            {
                long idleMs = connection.idleMs();
                try
                {
                    RawHttp.Response response = connection.get("/");
                    Matcher servedBy = SERVED_BY.matcher(response.body());
                    lastServedBy = servedBy.find() ? servedBy.group(1) : "?";
                    record(response);
                    if ("close".equalsIgnoreCase(response.header("connection")))
                        connection.drop();
                }
                catch (IOException | RuntimeException x)
                {
                    connection.dropQuietly();
                    fail("keep-alive at " + java.time.LocalTime.now() + " (request " + (connection.responsesOnConnection() + 1) + " on its connection, previous response by pid " + lastServedBy +
                        ", idle " + idleMs + " ms before the request): " + x);
                }
            }
        }
    }

    long ok()
    {
        return ok.get();
    }

    /**
     * @return kept-alive connections found closed by the server before a request was written on them (not failures)
     */
    long staleConnections()
    {
        return staleConnections.get();
    }

    long failed()
    {
        return failed.get();
    }

    List<String> failures()
    {
        return failures;
    }

    Set<Long> servedBy()
    {
        return servedBy;
    }

    @Override
    public void close()
    {
        threads.close();
    }
}
