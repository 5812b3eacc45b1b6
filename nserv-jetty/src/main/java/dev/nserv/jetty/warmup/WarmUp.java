package dev.nserv.jetty.warmup;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.nserv.jetty.NservServer;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.session.SessionManager;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms a freshly started generation's request path before it reports ready: repeats GET and HEAD requests through an
 * in-process {@link LocalConnector} (no socket, so no client sees them), so that classes are loaded, caches filled and
 * the JIT has compiled the hot path before the first client arrives. Measured on the demo WAR, a cold successor's
 * first two seconds had a p99 about three times the steady one and a worst request of 273-353 ms.
 * (This bean holds the settings, their JMX attributes and the parking of the acceptors; the plan of requests, the
 * request loop and each exchange are package-private helpers, and a request itself is {@link WarmUpRequest}.)
 * <p>
 * When it applies -- to a successor (a generation above 1), and to the first generation only with
 * {@link #setFirstStart(boolean)} -- it parks the acceptors of the server's network connectors as the server starts
 * (this bean starts before the connectors), so that the successor accepts no client while it is cold: the previous
 * generation, still accepting on the same listening socket, serves them. {@link #beforeReady(Instant)} then warms
 * up and lets the acceptors go; {@link WarmUpParticipant} calls it just before a successor reports READY (a server that
 * uses this bean without that participant must call it once started).
 * <p>
 * What it sends: every request carries {@value #HEADER}{@code : 1} (so logs and metrics can leave it out), no
 * cookie and {@code Connection: close}. By default each started context gets {@code GET <context path>/}; a context
 * names its own paths, relative to itself, or opts out with {@value #NONE}, in the context init-param or attribute
 * {@value #PATHS_PARAMETER}; {@link #setPaths(String)} replaces the default root requests with request paths of the
 * server. Requests go one at a time, round after round over all paths, until the per-request latency has settled
 * ({@link #setSettle(boolean)}), or each was sent {@link #setRequests(int)} times, or {@link #setTime(long)} passed, or
 * the ready deadline is near, whichever comes first. Every other round goes over a private 127.0.0.1 socket connector
 * that no client knows ({@link #setSocket(boolean)}), so that the socket I/O path warms up too. A session that a
 * warm-up response creates is invalidated at once. While it runs, the generation's network connectors stop
 * accepting, so new clients keep going to the previous generation. A failed request (a status other than 2xx/3xx, or no response) is
 * logged and ignored, unless {@link #setFailRollback(boolean)} makes it fatal.
 *
 * <pre>{@code
 * WarmUp warmUp = new WarmUp(server);
 * warmUp.setPaths("/, /api/status, HEAD /static/app.js");
 * warmUp.setRequests(300);
 * warmUp.setTime(2000);
 * server.addBean(warmUp);           // parks the acceptors at start when it applies
 * // ... server started; RestartSupport then calls, before READY:
 * warmUp.beforeReady(WarmUp.readyDeadline(readyTimeout));
 * }</pre>
 */
@ManagedObject("Warm-up: safe requests sent in-process before a generation reports ready")
public class WarmUp extends ContainerLifeCycle
{
    /** Request header that marks every warm-up request; its value is {@code 1}. */
    public static final String HEADER = "X-Nserv-Warmup";
    /** Context init-param or attribute naming a context's own warm-up paths (relative to it), or {@value #NONE}. */
    public static final String PATHS_PARAMETER = "dev.nserv.warmup.paths";
    /** The value that disables warm-up for a context, or for the server's paths. */
    public static final String NONE = "none";
    /** Default number of times each path is requested. */
    public static final int DEFAULT_REQUESTS = 500;
    /** Default longest time, in ms, that a warm-up takes. */
    public static final long DEFAULT_TIME_MS = 1000;
    /** Whether, by default, every other round goes over a private socket connector. */
    public static final boolean DEFAULT_SOCKET = true;

    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    private final Server server;
    private final List<AbstractConnector> parked = new ArrayList<>();
    private volatile boolean armed;
    private volatile List<WarmUpRequest> paths;
    private volatile int requests = DEFAULT_REQUESTS;
    private volatile long timeMs = DEFAULT_TIME_MS;
    private volatile boolean failRollback;
    private volatile boolean firstStart;
    private volatile boolean socketPath = DEFAULT_SOCKET;
    private volatile boolean settleRule = true;

    /**
     * What a warm-up did.
     *
     * @param requests requests sent
     * @param failed requests that failed
     * @param paths distinct requests in the plan
     * @param elapsed time spent
     * @param stoppedBy why it stopped: {@code count}, {@code settled}, {@code time}, {@code ready timeout}, {@code failure},
     * {@code nothing to warm} or {@code disabled}
     */
    public record Result(int requests, int failed, int paths, Duration elapsed, String stoppedBy)
    {
    }

    /**
     * @param server the server whose webapps are warmed; add this bean to it
     */
    public WarmUp(@Name("server") Server server)
    {
        this.server = server;
    }

    @Override
    protected void doStart() throws Exception
    {
        NservServer nserv = server.getBean(NservServer.class);
        armed = appliesTo(nserv != null && nserv.getGeneration() > 1);
        if (armed)
        {
            // This bean starts with the server's other beans, before its connectors: an acceptor parked now never
            // takes a connection before the warm-up has run.
            synchronized (parked)
            {
                parked.addAll(pauseAccepting(server));
            }
        }
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception
    {
        armed = false;
        synchronized (parked)
        {
            parked.clear();
        }
        super.doStop();
    }

    /**
     * @return whether this generation warms up before it is ready (decided as the server starts)
     */
    @ManagedAttribute(value = "Whether this generation warms up before it reports ready", readonly = true)
    public boolean isArmed()
    {
        return armed;
    }

    /**
     * Runs the warm-up if it applies to this generation, then lets the acceptors parked at start go; once.
     * @param deadline the warm-up stops before this moment, e.g. {@link #readyDeadline(Duration)}
     * @return what it did, or {@code null} when it does not apply
     * @throws WarmUpFailedException when a request failed and {@link #isFailRollback()} is on
     */
    public Result beforeReady(Instant deadline) throws WarmUpFailedException
    {
        if (!armed)
            return null;
        armed = false;
        try
        {
            Result result = warm(deadline);
            // the start's and the warm-up's garbage, collected while the previous generation still serves
            LOG.debug("before ready: {}", YoungCollection.run(deadline));
            return result;
        }
        finally
        {
            List<AbstractConnector> held;
            synchronized (parked)
            {
                held = new ArrayList<>(parked);
                parked.clear();
            }
            resumeAccepting(server, held);
        }
    }

    /**
     * @return the server's warm-up paths as written, or {@code null} for the default (each context's root)
     */
    @ManagedAttribute("Server warm-up paths (GET or HEAD, comma-separated), 'none', or null for each context's root")
    public String getPaths()
    {
        List<WarmUpRequest> list = paths;
        if (list == null)
            return null;
        if (list.isEmpty())
            return NONE;
        List<String> entries = new ArrayList<>();
        for (WarmUpRequest request : list)
            entries.add(request.toString());
        return String.join(", ", entries);
    }

    /**
     * Sets the requests that replace the default (each context's root, {@code GET <context path>/}). Contexts that
     * name their own paths in {@value #PATHS_PARAMETER} still get them.
     * @param paths request paths of the server, comma-separated, each {@code /path}, {@code GET /path} or
     * {@code HEAD /path} (a query is allowed); {@value #NONE} for no server paths; {@code null} or blank for the
     * default. Other methods are refused: warm-up requests must be safe to repeat.
     */
    public void setPaths(String paths)
    {
        this.paths = paths == null || paths.isBlank() ? null : WarmUpRequest.parseList(paths);
    }

    /**
     * @return how many times each path is requested at most
     */
    @ManagedAttribute("Requests per path (at most); 0 disables the warm-up")
    public int getRequests()
    {
        return requests;
    }

    /**
     * Sets how many times each path is requested, at most (the time bound may stop it earlier).
     * @param requests 0 to disable the warm-up, else at most 1,000,000; the default is {@value #DEFAULT_REQUESTS}
     */
    public void setRequests(int requests)
    {
        if (requests < 0 || requests > 1_000_000)
            throw new IllegalArgumentException("warm-up requests must be from 0 (off) to 1000000 per path, was " + requests);
        this.requests = requests;
    }

    /**
     * @return the longest time a warm-up takes, in ms
     */
    @ManagedAttribute("Longest time of a warm-up, in ms; 0 disables it")
    public long getTime()
    {
        return timeMs;
    }

    /**
     * Sets the longest time a warm-up takes; it also never runs past the ready deadline.
     * @param ms milliseconds, 0 to disable the warm-up; the default is {@value #DEFAULT_TIME_MS}
     */
    public void setTime(long ms)
    {
        if (ms < 0)
            throw new IllegalArgumentException("warm-up time must be 0 (off) or more ms, was " + ms + " ms");
        this.timeMs = ms;
    }

    /**
     * @return whether a failed warm-up request stops the generation from becoming ready
     */
    @ManagedAttribute("Whether a failed warm-up request rolls the restart back")
    public boolean isFailRollback()
    {
        return failRollback;
    }

    /**
     * Makes a failed warm-up request (a status other than 2xx/3xx, or no response) fatal: the warm-up stops and
     * {@link #warm} throws, so a successor reports FAILED and the restart rolls back. Off by default: failures are
     * logged and the generation becomes ready anyway.
     * @param failRollback true to make failures fatal
     */
    public void setFailRollback(boolean failRollback)
    {
        this.failRollback = failRollback;
    }

    /**
     * @return whether the first generation warms up too
     */
    @ManagedAttribute("Whether the first generation (not only a successor) warms up before it is ready")
    public boolean isFirstStart()
    {
        return firstStart;
    }

    /**
     * Makes the first generation warm up as well. Off by default: the first generation has nobody to serve in its
     * place, so a warm-up only delays its clients (they wait in the backlog) and its start.
     * @param firstStart true to warm up on the first start as well
     */
    public void setFirstStart(boolean firstStart)
    {
        this.firstStart = firstStart;
    }

    /**
     * @return whether every other round goes over a private socket connector
     */
    @ManagedAttribute("Whether every other warm-up round goes over a private 127.0.0.1 socket connector")
    public boolean isSocket()
    {
        return socketPath;
    }

    /**
     * Makes every other round of requests go over a private connector on 127.0.0.1 (a port the kernel picks, the
     * public connector's HTTP/1.1 factory, never added to the server, closed before READY), so that the socket I/O
     * path warms up too; the other rounds go in-process. Without a plain HTTP network connector all go in-process.
     * @param socket false to warm in-process only; the default is {@value #DEFAULT_SOCKET}
     */
    public void setSocket(boolean socket)
    {
        this.socketPath = socket;
    }

    /**
     * @return whether the warm-up stops once its latency has settled
     */
    @ManagedAttribute("Whether the warm-up stops once its per-request latency has settled (count and time stay upper bounds)")
    public boolean isSettle()
    {
        return settleRule;
    }

    /**
     * Makes the warm-up stop before its count once the per-request latency has settled: three windows of 25
     * requests in a row with a median within 1.2 times the best window's. On by default; off, it always runs to the
     * count or the time bound.
     * @param settle false to always send the full count
     */
    public void setSettle(boolean settle)
    {
        this.settleRule = settle;
    }

    /**
     * @param successor whether this generation was started by a restart
     * @return whether a warm-up runs for it
     */
    public boolean appliesTo(boolean successor)
    {
        return requests > 0 && timeMs > 0 && (successor || firstStart);
    }

    /**
     * The moment a warm-up must end so that a successor still reports READY within its ready timeout: half the
     * timeout after this JVM's start. The previous generation starts its clock when it launches the successor
     * command, earlier than this JVM's clock (a wrapper script, the JVM's own start: seen here up to a few seconds
     * on a busy machine), so the other half is left for that, for the rest of the start and for the READY message.
     * @param readyTimeout the ready timeout
     * @return the deadline
     */
    public static Instant readyDeadline(Duration readyTimeout)
    {
        Instant jvmStart = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
        return jvmStart.plus(readyTimeout.dividedBy(2));
    }

    /**
     * Runs the warm-up now, on the started server, bounded by {@link #getRequests()}, {@link #getTime()} and the
     * deadline, and logs one line with the counts and the time spent. Network connectors that accept are parked
     * meanwhile.
     * @param deadline the warm-up stops before this moment, e.g. {@link #readyDeadline(Duration)}
     * @return what it did
     * @throws WarmUpFailedException when a request failed and {@link #isFailRollback()} is on
     */
    public Result warm(Instant deadline) throws WarmUpFailedException
    {
        long started = System.nanoTime();
        int perPath = requests;
        long budgetMs = timeMs;
        if (perPath == 0 || budgetMs == 0)
            return report(new Result(0, 0, 0, Duration.ZERO, "disabled"));
        List<WarmUpPlan.Target> plan = WarmUpPlan.build(server, paths);
        if (plan.isEmpty())
            return report(new Result(0, 0, 0, Duration.ZERO, "nothing to warm"));
        long untilDeadlineMs = Duration.between(Instant.now(), deadline).toMillis();
        boolean deadlineFirst = untilDeadlineMs < budgetMs;
        long endNanos = started + TimeUnit.MILLISECONDS.toNanos(Math.max(0, Math.min(budgetMs, untilDeadlineMs)));

        WarmUpRun run = new WarmUpRun(this, plan, perPath * plan.size(), endNanos, deadlineFirst, new ArrayList<>(server.getContainedBeans(SessionManager.class)));
        List<AbstractConnector> paused = pauseAccepting(server);
        LocalConnector local = new LocalConnector(server, new HttpConnectionFactory(httpConfiguration(server)));
        PrivateConnector socket = null;
        try
        {
            local.start();
            if (socketPath)
                socket = openPrivateConnector();
            // One request at a time: two threads sent no more requests per second on 2 cores shared with the
            // previous generation (BENCHMARKS.md, "Successor warm-up").
            run.work(local, socket);
        }
        catch (Exception x)
        {
            // the local connector could not start: the server is not warmed, but it serves
            run.fail("warm-up failed: " + x);
            LOG.warn("warm-up: cannot run", x);
        }
        finally
        {
            close(socket);
            try
            {
                local.stop();
            }
            catch (Exception x)
            {
                LOG.debug("warm-up: stopping the local connector", x);
            }
            resumeAccepting(server, paused);
        }
        if (LOG.isDebugEnabled())
            LOG.debug("warm-up: median latency per {} requests (ms): {}", SettleRule.WINDOW, run.settle().curve());
        Result result = report(new Result(run.sent(), run.failed(), plan.size(), Duration.ofNanos(System.nanoTime() - started), run.stoppedBy()));
        String fatal = run.fatal();
        if (fatal != null && failRollback)
            throw new WarmUpFailedException(fatal);
        return result;
    }

    private PrivateConnector openPrivateConnector()
    {
        try
        {
            return PrivateConnector.open(server);
        }
        catch (Exception x)
        {
            // the in-process path still warms most of it
            LOG.warn("warm-up: no private socket connector, warming in-process only: {}", x.toString());
            return null;
        }
    }

    private static void close(PrivateConnector socket)
    {
        if (socket == null)
            return;
        try
        {
            socket.close();
        }
        catch (Exception x)
        {
            LOG.debug("warm-up: stopping the private connector", x);
        }
    }

    private static Result report(Result result)
    {
        LOG.info("warm-up: {} requests to {} paths in {} ms, {} failed, stopped by {}",
            result.requests(), result.paths(), result.elapsed().toMillis(), result.failed(), result.stoppedBy());
        return result;
    }

    private static HttpConfiguration httpConfiguration(Server server)
    {
        for (Connector connector : server.getConnectors())
        {
            HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
            if (http != null && connector instanceof NetworkConnector)
                return new HttpConfiguration(http.getHttpConfiguration());
        }
        return new HttpConfiguration();
    }

    private static List<AbstractConnector> pauseAccepting(Server server)
    {
        // Until it is warm, this generation leaves new connections to the previous one, which still accepts on
        // the same listening socket. An acceptor blocked in accept() takes one more connection before it parks.
        List<AbstractConnector> paused = new ArrayList<>();
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof NetworkConnector && connector instanceof AbstractConnector abstractConnector && abstractConnector.isAccepting())
            {
                abstractConnector.setAccepting(false);
                paused.add(abstractConnector);
            }
        }
        return paused;
    }

    private static void resumeAccepting(Server server, List<AbstractConnector> paused)
    {
        // A stop that began meanwhile parks the acceptors for good: do not undo it.
        NservServer nserv = server.getBean(NservServer.class);
        if (!server.isRunning() || (nserv != null && nserv.isStopping()))
            return;
        for (AbstractConnector connector : paused)
            connector.setAccepting(true);
    }
}
