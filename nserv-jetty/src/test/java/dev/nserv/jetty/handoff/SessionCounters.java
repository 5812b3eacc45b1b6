package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.nserv.jetty.RawHttp;

/**
 * Clients of the demo's {@code /counter}, each with its own HTTP session, sending their requests back to back. Every
 * client checks every answer: it must be exactly the previous count + 1 with the same session id. A new session (a
 * count of 1 or another id) is a <em>reset</em>; the same session with any other count is a <em>lost increment</em>;
 * an I/O error or a status other than 200 is a <em>failed</em> request. Nothing is excused.
 * <p>
 * A keep-alive client reuses its connection (one per port) until the server answers {@code Connection: close}; like
 * {@link HttpLoad} it checks a kept-alive connection before reusing it ({@link KeptConnection}), so a connection the server closed while it
 * was idle is replaced before anything is written on it. A client may alternate its requests over several ports
 * (servers sharing a session store); the ports can change while it runs.
 */
final class SessionCounters implements AutoCloseable
{
    private static final Pattern ANSWER = Pattern.compile("count=(\\d+) session=(\\S+)");
    private static final Pattern COOKIE = Pattern.compile("JSESSIONID=([^;]+)");
    private static final Duration MAX_RUN = Duration.ofMinutes(6);

    private final AtomicReference<int[]> ports;
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong lostIncrements = new AtomicLong();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final List<Client> clients = new ArrayList<>();
    private final LoadThreads threads = new LoadThreads(MAX_RUN);

    /**
     * Starts the clients.
     * @param ports the ports the clients alternate over; replace the array to change them while the clients run
     * @param keepAliveClients clients that keep their connections alive
     * @param newConnectionClients clients that open a new connection per request
     */
    SessionCounters(AtomicReference<int[]> ports, int keepAliveClients, int newConnectionClients)
    {
        this.ports = ports;
        for (int i = 0; i < keepAliveClients + newConnectionClients; i++)
        {
            Client client = new Client(i < keepAliveClients, i);
            clients.add(client);
            threads.add("counter-" + (client.keepAlive ? "keepalive-" : "new-") + i, client::run);
        }
        threads.start();
    }

    /** One client: one session, its last count, its connections. */
    private final class Client
    {
        final boolean keepAlive;
        final int index;
        final Map<Integer, KeptConnection> connections = new HashMap<>();
        volatile String cookie;
        volatile String sessionId;
        volatile int count;
        volatile long requests;
        boolean resync = true;

        Client(boolean keepAlive, int index)
        {
            this.keepAlive = keepAlive;
            this.index = index;
        }

        void run()
        {
            try
            {
                while (threads.go())
                {
                    int[] now = ports.get();
                    int port = now[(int)(requests % now.length)];
                    requests++;
                    request(port);
                }
            }
            finally
            {
                connections.values().forEach(KeptConnection::close);
            }
        }

        private void request(int port)
        {
            KeptConnection connection = connections.computeIfAbsent(port, p -> new KeptConnection(p, () -> { }));
            try
            {
                RawHttp.Response response = cookie == null ? connection.get("/counter") : connection.get("/counter", "Cookie: JSESSIONID=" + cookie);
                if (!keepAlive || "close".equalsIgnoreCase(response.header("connection")))
                    connection.dropQuietly();
                check(port, response);
            }
            catch (IOException | RuntimeException x)
            {
                // get has dropped the connection of a request that failed
                failed.incrementAndGet();
                // the request may or may not have counted: the next answer only sets the baseline again
                resync = true;
                problem("failed on port " + port + ": " + x);
            }
        }

        private void check(int port, RawHttp.Response response)
        {
            if (response.status() != 200)
            {
                failed.incrementAndGet();
                resync = true;
                problem("failed on port " + port + ": status " + response.status() + " " + response.body().trim());
                return;
            }
            Matcher answer = ANSWER.matcher(response.body());
            if (!answer.find())
            {
                failed.incrementAndGet();
                resync = true;
                problem("failed on port " + port + ": unexpected body " + response.body().trim());
                return;
            }
            ok.incrementAndGet();
            int got = Integer.parseInt(answer.group(1));
            String id = answer.group(2);
            String setCookie = response.header("set-cookie");
            if (setCookie != null)
            {
                Matcher m = COOKIE.matcher(setCookie);
                if (m.find())
                    cookie = m.group(1);
            }
            if (sessionId != null && (!id.equals(sessionId) || got == 1))
            {
                resets.incrementAndGet();
                problem("reset on port " + port + ": count=" + got + " session=" + id + " after count=" + count + " session=" + sessionId + " (" + response.body().trim() + ")");
            }
            else if (sessionId != null && !resync && got != count + 1)
            {
                lostIncrements.incrementAndGet();
                problem("lost increment on port " + port + ": count=" + got + " after count=" + count + " (" + response.body().trim() + ")");
            }
            sessionId = id;
            count = got;
            resync = false;
        }

        private void problem(String message)
        {
            if (problems.size() < 30)
                problems.add("client " + index + (keepAlive ? " (keep-alive)" : " (new connection)") + " at " + LocalTime.now() + ": " + message);
        }
    }

    /** @return answers that were 200 and a count */
    long ok()
    {
        return ok.get();
    }

    long failed()
    {
        return failed.get();
    }

    long resets()
    {
        return resets.get();
    }

    long lostIncrements()
    {
        return lostIncrements.get();
    }

    /** @return the first problems seen, each with its client and time */
    List<String> problems()
    {
        return problems;
    }

    /** @return the sum of the clients' last counts: every request a session counted */
    long counted()
    {
        long sum = 0;
        for (Client client : clients)
            sum += client.count;
        return sum;
    }

    /** @return the session id of each client, null before its first answer */
    List<String> sessionIds()
    {
        List<String> ids = new ArrayList<>();
        for (Client client : clients)
            ids.add(client.sessionId);
        return ids;
    }

    /** Stops the clients and waits for them. */
    @Override
    public void close()
    {
        threads.close();
    }

    @Override
    public String toString()
    {
        return ok() + " requests ok, " + failed() + " failed, " + resets() + " resets, " + lostIncrements() + " lost increments, counted " + counted();
    }
}
