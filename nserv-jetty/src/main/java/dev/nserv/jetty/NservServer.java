package dev.nserv.jetty;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jetty {@link Server} with nserv's graceful exit: the Java API that the bundled launcher is a thin user of,
 * shaped like the Go nserv Server (start, a stop that reports whether it was already stopping, wait until stopped).
 * (It is over 400 lines because it is the public entry point: about half is validated setters, JMX attributes and
 * their documentation; the work itself is done by {@link ProbeHandler}, {@link DrainHandler},
 * {@link ConnectionDrainer} and {@link StopDeadline}.)
 *
 * <p>A graceful stop marks the server not ready (the readiness probe answers 503), waits the pre-drain delay (so
 * load balancers notice), then runs Jetty's graceful shutdown with the drain timeout as the server's stop timeout:
 * listeners close at once, requests on open connections are still served (with {@code Connection: close} or
 * GOAWAY), the drain ends when the last request ends (or at the timeout), remaining connections are closed and
 * the webapps are stopped so their {@code contextDestroyed} clean-up runs.</p>
 *
 * <pre>{@code
 * NservServer nserv = new NservServer(new Server());
 * ThrottledServerConnector http = new ThrottledServerConnector(nserv.getServer());
 * http.setPort(8080);
 * http.setMaxConnections(500);
 * nserv.getServer().addConnector(http);
 * nserv.setHandler(myHandler);           // behind a ProbeHandler and a DrainHandler
 * nserv.start();
 * // ... from a signal handler, JMX or ctl:
 * boolean first = nserv.stop();          // false when a stop was already under way
 * nserv.join();                          // returns once everything has stopped
 * }</pre>
 */
@ManagedObject("nserv server: readiness, graceful exit and generation")
public class NservServer
{
    /** What the default stop deadline allows beyond the pre-drain delay and the drain timeout: webapp clean-up, ms. */
    public static final long STOP_DEADLINE_MARGIN_MS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(NservServer.class);

    /**
     * Code that runs around {@link NservServer#start()}: socket adoption before the start, readiness
     * notification after it.
     */
    public interface StartHook
    {
        /**
         * Runs once the server is configured, before Jetty starts; an exception aborts the start.
         * @param server the nserv server
         * @throws Exception to abort the start, with a message for the operator
         */
        default void beforeStart(NservServer server) throws Exception
        {
        }

        /**
         * Runs after a successful start, once the server is ready.
         * @param server the nserv server
         * @throws Exception to abort: the server is then stopped
         */
        default void afterStart(NservServer server) throws Exception
        {
        }
    }

    private final Server server;
    private final ProbeHandler probeHandler;
    private final DrainHandler drainHandler;
    private final ConnectionDrainer connectionDrainer;
    private final List<StartHook> startHooks = new CopyOnWriteArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch skipPreDrain = new CountDownLatch(1);
    private volatile long drainTimeoutMs = 30_000;
    private volatile long preDrainDelayMs;
    private volatile long stopDeadlineMs = -1;
    private volatile int generation;
    private volatile Throwable stopFailure;

    /**
     * Wraps a Jetty server. The server's current handler (if any) is placed behind a {@link ProbeHandler} and a
     * {@link DrainHandler}, reusing those already in place; a {@link ConnectionDrainer} is added as a bean unless
     * the server has one. The generation starts at the value {@link Generation#inherited()} reads, else 1.
     * @param server the server to manage; configure its connectors and handlers before {@link #start()}
     */
    public NservServer(Server server)
    {
        this.server = server;
        Handler current = server.getHandler();
        probeHandler = current instanceof ProbeHandler probes ? probes : new ProbeHandler(current);
        Handler behindProbes = probeHandler.getHandler();
        drainHandler = behindProbes instanceof DrainHandler drain ? drain : new DrainHandler(behindProbes);
        if (behindProbes != drainHandler)
            probeHandler.setHandler(drainHandler);
        if (current != probeHandler)
            server.setHandler(probeHandler);
        ConnectionDrainer existing = server.getBean(ConnectionDrainer.class);
        if (existing == null)
        {
            existing = new ConnectionDrainer(server, drainHandler);
            server.addBean(existing, true);
        }
        connectionDrainer = existing;
        generation = Generation.inherited();
        server.addBean(this);
    }

    /**
     * @return the Jetty server
     */
    public Server getServer()
    {
        return server;
    }

    /**
     * @return the outermost handler, which answers the readiness and liveness probes
     */
    public ProbeHandler getProbeHandler()
    {
        return probeHandler;
    }

    /**
     * @return the handler in front of the applications, which counts requests in flight for the drain
     */
    public DrainHandler getDrainHandler()
    {
        return drainHandler;
    }

    /**
     * @return the bean that parks the acceptors and closes connections during a stop
     */
    public ConnectionDrainer getConnectionDrainer()
    {
        return connectionDrainer;
    }

    /**
     * Sets the application handler, behind the probe and drain handlers.
     * @param handler the handler that serves requests
     */
    public void setHandler(Handler handler)
    {
        drainHandler.setHandler(handler);
    }

    /**
     * Adds code to run before and after the start.
     * @param hook the hook; hooks run in the order they were added
     */
    public void addStartHook(StartHook hook)
    {
        startHooks.add(hook);
    }

    /**
     * @return the drain timeout in milliseconds
     */
    @ManagedAttribute("Longest wait, in ms, for requests in flight during a graceful stop")
    public long getDrainTimeout()
    {
        return drainTimeoutMs;
    }

    /**
     * Sets how long a graceful stop waits for requests in flight before closing what remains.
     * @param ms milliseconds, at least 1 (default 30000)
     */
    public void setDrainTimeout(long ms)
    {
        if (ms < 1)
            throw new IllegalArgumentException("drainTimeout must be at least 1 ms, was " + ms + " ms");
        drainTimeoutMs = ms;
    }

    /**
     * @return the pre-drain delay in milliseconds
     */
    @ManagedAttribute("Time, in ms, between answering not-ready and stopping accepting")
    public long getPreDrainDelay()
    {
        return preDrainDelayMs;
    }

    /**
     * Sets how long a graceful stop keeps serving normally after the readiness probe turned to 503, so that load
     * balancers and Kubernetes stop sending new clients first.
     * @param ms milliseconds, 0 (the default) for none
     */
    public void setPreDrainDelay(long ms)
    {
        if (ms < 0)
            throw new IllegalArgumentException("preDrainDelay must be 0 or more ms, was " + ms + " ms");
        preDrainDelayMs = ms;
    }

    /**
     * @return the stop deadline in milliseconds as set; -1 for the default (see {@link #getEffectiveStopDeadline()})
     */
    @ManagedAttribute("Longest time, in ms, a whole stop may take before the process is halted (exit code 3); -1: pre-drain delay + drain timeout + 10 s")
    public long getStopDeadline()
    {
        return stopDeadlineMs;
    }

    /**
     * Sets the longest a whole stop may take: the pre-drain delay, the drain, and the webapps' clean-up. When it
     * passes, the contexts still stopping are logged with the stuck thread's stack and the process halts with
     * {@link StopDeadline#EXIT_CODE}, so that one webapp that never finishes its clean-up cannot keep a generation
     * alive, nor block the next restart.
     * @param ms milliseconds, at least 1000; -1 (the default) for the pre-drain delay plus the drain timeout plus
     * {@value #STOP_DEADLINE_MARGIN_MS} ms
     */
    public void setStopDeadline(long ms)
    {
        if (ms != -1 && ms < 1000)
            throw new IllegalArgumentException("stopDeadline must be at least 1000 ms, or -1 for the default, was " + ms + " ms");
        stopDeadlineMs = ms;
    }

    /**
     * @return the stop deadline that applies now, in milliseconds
     */
    public long getEffectiveStopDeadline()
    {
        long ms = stopDeadlineMs;
        return ms > 0 ? ms : preDrainDelayMs + drainTimeoutMs + STOP_DEADLINE_MARGIN_MS;
    }

    /**
     * @return the generation number: 1 for the first process, one more for each restart
     */
    @ManagedAttribute(value = "Generation: 1 for the first process, one more per restart", readonly = true)
    public int getGeneration()
    {
        return generation;
    }

    /**
     * Sets the generation number (before start).
     * @param generation a positive number
     */
    public void setGeneration(int generation)
    {
        if (generation < 1)
            throw new IllegalArgumentException("generation must be at least 1, was " + generation);
        this.generation = generation;
    }

    /**
     * @return this process's id
     */
    @ManagedAttribute(value = "Process id", readonly = true)
    public long getPid()
    {
        return ProcessHandle.current().pid();
    }

    /**
     * @return whether the readiness probe answers 200
     */
    @ManagedAttribute(value = "Whether the server is started and ready", readonly = true)
    public boolean isReady()
    {
        return probeHandler.isReady() && !stopping.get();
    }

    /**
     * @return whether the drain has started
     */
    @ManagedAttribute(value = "Whether requests are being drained", readonly = true)
    public boolean isDraining()
    {
        return drainHandler.isDraining();
    }

    /**
     * @return whether a graceful stop was requested
     */
    @ManagedAttribute(value = "Whether a graceful stop was requested", readonly = true)
    public boolean isStopping()
    {
        return stopping.get();
    }

    /**
     * Starts the server: runs the start hooks, starts Jetty, and marks the server ready.
     * @throws Exception if a hook or Jetty fails; the server is then stopped
     */
    public void start() throws Exception
    {
        beforeJettyStart();
        server.start();
        afterJettyStart();
    }

    /**
     * For a server that another program starts, such as jetty-home's {@code start.jar}, which calls
     * {@link Server#start()} itself: what {@link #start()} does before and after Jetty's start then runs from the
     * server's own life cycle events (its start hooks, the early bind, the readiness). Call once, before the start,
     * instead of {@link #start()}.
     */
    public void startWithServer()
    {
        server.addEventListener(new LifeCycle.Listener()
        {
            @Override
            public void lifeCycleStarting(LifeCycle event)
            {
                if (event != server)
                    return;
                try
                {
                    beforeJettyStart();
                }
                catch (RuntimeException x)
                {
                    throw x;
                }
                catch (Exception x)
                {
                    throw new IllegalStateException(x.getMessage(), x);
                }
            }

            @Override
            public void lifeCycleStarted(LifeCycle event)
            {
                if (event != server)
                    return;
                try
                {
                    afterJettyStart();
                }
                catch (RuntimeException x)
                {
                    throw x;
                }
                catch (Exception x)
                {
                    throw new IllegalStateException(x.getMessage(), x);
                }
            }
        });
    }

    private void beforeJettyStart() throws Exception
    {
        if (stopping.get())
            throw new IllegalStateException("cannot start: this server was stopped; create a new NservServer");
        server.setStopTimeout(drainTimeoutMs);
        for (StartHook hook : startHooks)
            hook.beforeStart(this);
        // Bind every listener that was not adopted before deploying anything, so that a port in use fails the
        // start before a webapp initialises or a request is served.
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof ServerConnector serverConnector && serverConnector.getTransport() == null)
                serverConnector.open();
        }
        // Last bean: checks the webapps after they deployed and before the connectors accept.
        if (server.getBean(WebappGate.class) == null)
            server.addBean(new WebappGate(server), true);
    }

    private void afterJettyStart() throws Exception
    {
        Generation.publishAttribute(server, generation);
        probeHandler.setReady(true);
        try
        {
            for (StartHook hook : startHooks)
                hook.afterStart(this);
        }
        catch (Exception x)
        {
            probeHandler.setReady(false);
            server.stop();
            throw x;
        }
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof NetworkConnector network)
                LOG.info("generation {} pid {} listening on {}:{} (connector '{}')", generation, getPid(),
                    network.getHost() == null ? "0.0.0.0" : network.getHost(), network.getLocalPort(), connector.getName());
        }
    }

    /**
     * Begins a graceful stop in the background and returns at once. Stopping twice is harmless.
     * @return true if this call began the stop, false if a stop was already under way
     */
    public boolean stop()
    {
        if (!stopping.compareAndSet(false, true))
        {
            LOG.info("stop requested: already stopping");
            return false;
        }
        probeHandler.setReady(false);
        drainHandler.announceDrain();
        Thread thread = new Thread(this::gracefulStop, "nserv-graceful-stop");
        thread.setDaemon(false);
        thread.start();
        return true;
    }

    /**
     * JMX entry point for the graceful exit.
     * @return what happened, for the JMX client
     */
    @ManagedOperation(value = "Graceful exit: not ready, pre-drain delay, stop accepting, drain, stop", impact = "ACTION")
    public String shutdown()
    {
        return stop() ? "stopping gracefully (drain timeout " + drainTimeoutMs + " ms)" : "already stopping";
    }

    /**
     * Skips what remains of the pre-drain delay of a stop under way.
     */
    public void skipPreDrainDelay()
    {
        skipPreDrain.countDown();
    }

    /**
     * Ends this generation once a successor accepts on the same listening sockets: kept-alive HTTP/1 connections
     * get {@code Connection: close} and this call waits for them (see
     * {@link ConnectionDrainer#closeKeptAliveConnections()}: at most 3 s or the idle close grace), then begins the
     * graceful stop of {@link #stop()} without the pre-drain delay, which is for load balancers to notice and has
     * nothing to wait for here. Blocks for the wait only; the stop itself runs in the background.
     * @return true if this call began the stop, false if a stop was already under way
     */
    public boolean stopAfterHandoff()
    {
        int busy = connectionDrainer.closeKeptAliveConnections();
        if (busy > 0)
            LOG.info("handoff: {} connection(s) still busy after {} ms of Connection: close; the graceful stop drains them",
                busy, connectionDrainer.getKeepAliveCloseWait());
        skipPreDrainDelay();
        return stop();
    }

    private void gracefulStop()
    {
        long started = System.nanoTime();
        StopDeadline deadline = new StopDeadline(server, Duration.ofMillis(getEffectiveStopDeadline()));
        deadline.arm();
        try
        {
            LOG.info("graceful stop: not ready; drain timeout {} ms, pre-drain delay {} ms", drainTimeoutMs, preDrainDelayMs);
            if (preDrainDelayMs > 0)
                skipPreDrain.await(preDrainDelayMs, TimeUnit.MILLISECONDS);
            // Park the acceptors first: Jetty's stop interrupts acceptors, which can lose a connection just accepted.
            connectionDrainer.parkAcceptors();
            server.setStopTimeout(drainTimeoutMs);
            server.stop();
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            stopFailure = x;
        }
        catch (Throwable x)
        {
            // Jetty collects every component's failure (e.g. the drain timing out) and still stops them all.
            stopFailure = x;
            if (x instanceof java.util.concurrent.TimeoutException)
                LOG.warn("graceful stop: drain timeout of {} ms reached; the connections still open were closed", drainTimeoutMs);
            else
                LOG.warn("graceful stop finished with errors", x);
        }
        finally
        {
            deadline.disarm();
            LOG.info("graceful stop: stopped in {} ms", Duration.ofNanos(System.nanoTime() - started).toMillis());
            stopped.countDown();
        }
    }

    /**
     * @return the failure of the graceful stop, or {@code null} when it was clean or has not run
     */
    public Throwable getStopFailure()
    {
        return stopFailure;
    }

    /**
     * Waits until a graceful stop has completed.
     * @throws InterruptedException if interrupted while waiting
     */
    public void join() throws InterruptedException
    {
        stopped.await();
    }

    /**
     * Waits until a graceful stop has completed, or the timeout passes.
     * @param timeout the longest wait
     * @return true if stopped
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitStopped(Duration timeout) throws InterruptedException
    {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
