package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.sockets.InheritedListeners;
import dev.nserv.jetty.sockets.ListenerNames;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zero-downtime restart: starts the successor first, hands it every listening socket, and only when it reports
 * ready does this generation stop accepting and drain (graceful exit); otherwise the successor is ended and this
 * generation goes on serving (roll back). The conversation itself is {@link HandoffServer}'s; this class decides
 * when a restart may run, launches the successor, and arms the timeout and the exit watch that abort it.
 * <p>
 * Triggers: the JMX operation {@code restart} on {@code dev.nserv.jetty.handoff:type=restarter,id=0}, {@code
 * java -jar nserv.jar ctl restart}, and SIGHUP (all three end up in {@link #restart()}). The invariant this class
 * keeps is stated in {@link dev.nserv.jetty.handoff the package}.
 *
 * <pre>{@code
 * Restarter restarter = RestartSupport.install(nserv, new RestartOptions()).getRestarter();
 * String summary = restarter.restart();   // blocks until the successor is ready, or throws
 * }</pre>
 */
@ManagedObject("Zero-downtime restart: start a successor, hand it the listening sockets, drain this generation once it is ready")
public class Restarter implements RestartControl
{
    private static final Logger LOG = LoggerFactory.getLogger(Restarter.class);

    /** What the old generation's participants hear of a restart. */
    interface Events
    {
        void handedOff(long successorPid);

        void rolledBack(String cause);
    }

    private final NservServer nserv;
    private final InheritedListeners listeners;
    private final Events events;
    private final RestartState state = new RestartState();
    private volatile Duration readyTimeout = RestartOptions.DEFAULT_READY_TIMEOUT;
    private volatile Duration terminateGrace = Duration.ofSeconds(10);
    private volatile Path controlSocket;
    private volatile HandoffServer current;
    private volatile RestartHistory history = new RestartHistory();
    private final SuccessorLaunch launcher;

    Restarter(NservServer nserv, InheritedListeners listeners, Events events)
    {
        this.nserv = nserv;
        this.listeners = listeners;
        this.events = events;
        this.launcher = new SuccessorLaunch(nserv, this::getHistory);
    }

    /**
     * @return the generation number of this process
     */
    @ManagedAttribute(value = "Generation: 1 for the first process, one more per restart", readonly = true)
    public int getGeneration()
    {
        return nserv.getGeneration();
    }

    /**
     * @return whether a restart is under way
     */
    @ManagedAttribute(value = "Whether a restart is under way", readonly = true)
    public boolean isRestartInProgress()
    {
        return state.inProgress();
    }

    /**
     * @return the ready timeout in milliseconds
     */
    @ManagedAttribute("Longest wait, in ms, for a successor to become ready before rolling back")
    public long getReadyTimeout()
    {
        return readyTimeout.toMillis();
    }

    /**
     * Sets how long a successor may take from its launch until it is ready.
     * @param ms milliseconds, at least 1000 (default 60000)
     */
    public void setReadyTimeout(long ms)
    {
        if (ms < 1000)
            throw new IllegalArgumentException("readyTimeout must be at least 1000 ms, was " + ms + " ms; a JVM takes about a second to start");
        readyTimeout = Duration.ofMillis(ms);
    }

    /**
     * Sets how long a rolled back successor gets between SIGTERM and SIGKILL.
     * @param grace at least 0 (default 10 s)
     */
    public void setTerminateGrace(Duration grace)
    {
        if (grace == null || grace.isNegative())
            throw new IllegalArgumentException("terminateGrace must be 0 or more, was " + grace);
        terminateGrace = grace;
    }

    /**
     * @return the successor command as one line
     */
    @ManagedAttribute(value = "Command that starts the successor (default: this process's own command line)", readonly = true)
    public String getSuccessorCommand()
    {
        List<String> command = launcher.successorCommand();
        if (command != null)
            return CommandLineDisplay.of(command);
        try
        {
            return CommandLineDisplay.of(CurrentCommand.get()) + " (this process's own command line)";
        }
        catch (IOException x)
        {
            return "unknown: " + x.getMessage();
        }
    }

    /**
     * @param command program and arguments, or {@code null} for this process's own command line
     */
    void setSuccessorCommand(List<String> command)
    {
        launcher.setSuccessorCommand(command);
    }

    void setClassDataArchives(ClassDataArchives archives)
    {
        launcher.setClassDataArchives(archives);
    }

    /**
     * Keeps a standby successor from {@code delay} after this generation serves (and after a roll back), so that a
     * restart skips the JVM's start and class loading.
     * @param delay the wait before the standby starts, or null for none (the default)
     * @param key what a standby fixes when it starts, beyond its code (see {@link RestartOptions#setStandbyKey})
     */
    void setStandbyDelay(Duration delay, Supplier<String> key)
    {
        launcher.setStandby(delay, key);
    }

    /** This generation serves: prepare its standby, if one is wanted. */
    void serving()
    {
        launcher.standby().schedule();
    }

    /** This generation stops: its standby, if any, is ended. */
    void stopping()
    {
        launcher.standby().close(terminateGrace);
    }

    /**
     * @return the pid of the standby successor, or -1 when there is none
     */
    @ManagedAttribute(value = "Pid of the standby successor that waits for the next restart, or -1", readonly = true)
    public long getStandbyPid()
    {
        return launcher.standby().pid();
    }

    void setControlSocket(Path socket)
    {
        controlSocket = socket.toAbsolutePath();
    }

    @Override
    @ManagedAttribute(value = "Restart state: idle, in progress, handed off, or waiting for the previous generation to stop", readonly = true)
    public String getState()
    {
        return state.describe();
    }

    @Override
    @ManagedAttribute(value = "Outcome of the last restart attempt", readonly = true)
    public String getLastResult()
    {
        return state.lastResult();
    }

    @Override
    @ManagedAttribute(value = "Listening sockets: connector, address, socket inode, origin", readonly = true)
    public List<String> getListeners()
    {
        return listeners.describe(ListenerNames.of(nserv.getServer()));
    }

    /**
     * @return the longest a roll back can take to end a successor
     */
    Duration getTerminateGrace()
    {
        return terminateGrace;
    }

    RestartState state()
    {
        return state;
    }

    /**
     * @return the committed and rolled-back restarts of this line of generations, for metrics
     */
    public RestartHistory getHistory()
    {
        return history;
    }

    void setHistory(RestartHistory inherited)
    {
        history = inherited;
    }

    /**
     * Rolls back a restart under way, unless the successor was already committed.
     * @param why the cause, for the report
     */
    void abortIfInProgress(String why)
    {
        HandoffServer handoff = current;
        if (handoff != null)
            handoff.abort(why);
    }

    /**
     * Restarts: returns once the successor serves and this generation drains, or fails and keeps serving.
     * @return a summary, e.g. {@code "generation 2 (pid 4321) ready after 1450 ms; generation 1 (pid 4242) drains"}
     * @throws IllegalStateException when a restart is in progress or not possible now, or when the restart failed
     * and was rolled back; the message names the cause
     */
    @ManagedOperation(value = "Zero-downtime restart: start the successor, hand over the listeners, drain this generation once the successor is ready; rolls back on failure", impact = "ACTION")
    public String restart()
    {
        try
        {
            return restartOrFail();
        }
        catch (RestartFailedException x)
        {
            // a plain JDK exception, so that any JMX client can read the cause
            throw new IllegalStateException(x.getMessage());
        }
    }

    @Override
    public String restartOrFail() throws RestartFailedException
    {
        state.begin(nserv);
        try
        {
            if (controlSocket == null)
                throw new IllegalStateException("cannot restart: the server has not finished starting");
            state.progress("starting a successor");
            long began = System.nanoTime();
            String summary;
            try
            {
                summary = perform(System.currentTimeMillis());
            }
            catch (RestartFailedException | RuntimeException | Error x)
            {
                if (!state.isHandedOff())
                    history.recordRolledBack(Duration.ofNanos(System.nanoTime() - began));
                throw x;
            }
            state.end("ok: " + summary);
            return summary;
        }
        catch (RestartFailedException | RuntimeException x)
        {
            state.end("failed: " + x.getMessage());
            throw x;
        }
        catch (Error x)
        {
            // e.g. a class that can no longer be loaded: still reported by ctl status and the log
            state.end("failed: " + x);
            LOG.error("restart failed", x);
            throw x;
        }
    }

    private String perform(long startMillis) throws RestartFailedException
    {
        long started = System.nanoTime();
        int next = nserv.getGeneration() + 1;
        HandoffServer.Offer offer = before(() -> HandoffServer.Offer.of(nserv.getServer(), nserv.getGeneration(), controlSocket));
        HandoffServer handoff = before(() -> new HandoffServer(controlSocket.getParent()));
        SuccessorLaunch.Launched launched = launcher.start(next, handoff, startMillis, terminateGrace);
        SuccessorProcess process = launched.process();
        OutputTail tail = launched.tail();
        CompletableFuture<Void> watchdog = null;

        try
        {
            state.progress("generation " + next + " (pid " + process.pid() + ") is starting");
            current = handoff;
            process.process().onExit().thenRun(() ->
                handoff.abort("the successor (pid " + process.pid() + ") " + SuccessorProcess.describeExit(process.process().exitValue()) + " before it was ready"));
            long timeout = readyTimeout.toMillis();
            watchdog = CompletableFuture.runAsync(() -> handoff.abort("the successor (pid " + process.pid() + ") was not ready within " + timeout + " ms"),
                CompletableFuture.delayedExecutor(timeout, TimeUnit.MILLISECONDS));

            handoff.handOff(offer, process::owns);
            state.progress("generation " + next + " (pid " + process.pid() + ") has the listeners and is deploying");
            LOG.info("restart: handed {} listener(s) {} to generation {} (pid {}); waiting for it to be ready", offer.names().size(), offer.names(), next, process.pid());
            handoff.awaitReady();
            // decided once: a timeout or an exit that raced with READY wins only if it came first
            handoff.commit();
        }
        catch (IOException | RuntimeException x)
        {
            throw rollBack(handoff.rollBack(x.getMessage() != null ? x.getMessage() : x.toString()), process, tail);
        }
        catch (Error x)
        {
            // whatever fails in this generation, no successor is left behind
            handoff.rollBack(x.toString());
            process.terminate(terminateGrace);
            events.rolledBack(x.toString());
            launcher.standby().schedule();
            throw x;
        }
        finally
        {
            current = null;
            if (watchdog != null)
                watchdog.cancel(false);
            handoff.closeListener();
        }

        long readyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        history.recordCommitted(Duration.ofNanos(System.nanoTime() - started));
        RestartState.Neighbour successor = new RestartState.Neighbour(next, process.pid(), handoff);
        state.successor(successor);
        events.handedOff(process.pid());
        String summary = successor + " ready after " + readyMs + " ms; generation " +
            nserv.getGeneration() + " (pid " + ProcessHandle.current().pid() + ") stops accepting and drains";
        LOG.info("restart: {}", summary);
        drainAfterCommit(process);
        return summary;
    }

    /** Runs a step whose failure ends the attempt before any successor exists. */
    private static <T> T before(Step<T> step) throws RestartFailedException
    {
        try
        {
            return step.run();
        }
        catch (IOException x)
        {
            throw new RestartFailedException("restart failed: " + x.getMessage());
        }
    }

    private interface Step<T>
    {
        T run() throws IOException;
    }

    private RestartFailedException rollBack(String cause, SuccessorProcess process, OutputTail tail)
    {
        String ending = process.terminate(terminateGrace);
        RollbackReport report = new RollbackReport(tail.lines());
        LOG.warn("restart rolled back: {}; successor {}; generation {} keeps serving. Last {} line(s) of the successor's output:{}",
            cause, ending, nserv.getGeneration(), report.lineCount(), report.logBlock());
        events.rolledBack(cause);
        launcher.standby().schedule();
        return new RestartFailedException(report.message(cause, nserv.getGeneration()));
    }

    /**
     * This generation's part after COMMIT: close kept-alive connections, stop, and let the successor's start-up
     * output through before this generation's last lines. Returns at once.
     */
    private void drainAfterCommit(SuccessorProcess committed)
    {
        Thread drain = new Thread(() ->
        {
            // the successor accepts on the same sockets already: no reason to wait for load balancers
            nserv.stopAfterHandoff();
            // let the successor's start-up output through before this generation's last lines
            committed.awaitOutputEnd(Duration.ofSeconds(5));
        }, "nserv-handoff-drain");
        drain.start();
    }
}
