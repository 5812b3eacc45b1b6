package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds at most one {@link Standby} for a generation: starts it a delay after the generation serves (so that it does
 * not compete with the generation's own first seconds), forgets it when it exits, hands it to a restart, and ends it
 * when the generation stops. A standby that cannot start is logged once and the restart starts a fresh successor, as
 * without a standby.
 */
final class StandbyKeeper
{
    private static final Logger LOG = LoggerFactory.getLogger(StandbyKeeper.class);

    /** Starts a standby for the next generation. */
    interface Starter
    {
        Standby start() throws IOException;
    }

    private final Starter starter;
    private Duration delay;
    private Standby standby;
    private CompletableFuture<Void> scheduled;
    private boolean closed;

    StandbyKeeper(Starter starter)
    {
        this.starter = starter;
    }

    /**
     * @param delay the wait from {@link #schedule()} to the standby's start, 0 or more; null for no standby
     */
    synchronized void setDelay(Duration delay)
    {
        if (delay != null && delay.isNegative())
            throw new IllegalArgumentException("the standby delay must be 0 or more, was " + delay);
        this.delay = delay;
    }

    /** Starts a standby after the delay, unless there is one, one is coming, or none is wanted. */
    synchronized void schedule()
    {
        if (delay == null || closed || standby != null || (scheduled != null && !scheduled.isDone()))
            return;
        scheduled = CompletableFuture.runAsync(this::startNow, CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS));
    }

    private void startNow()
    {
        synchronized (this)
        {
            if (closed || standby != null)
                return;
        }
        Standby started;
        try
        {
            started = starter.start();
        }
        catch (IOException | RuntimeException x)
        {
            LOG.warn("restart: no standby successor: {}; a restart starts a fresh one", x.getMessage());
            return;
        }
        boolean keep;
        synchronized (this)
        {
            keep = !closed;
            if (keep)
                standby = started;
        }
        if (!keep)
        {
            started.cancel(Duration.ofSeconds(5));
            return;
        }
        started.process().process().onExit().thenRun(() -> exited(started));
    }

    private void exited(Standby gone)
    {
        synchronized (this)
        {
            if (standby != gone)
                return;
            standby = null;
        }
        LOG.warn("restart: the standby (pid {}) {} before its restart; the next restart starts a fresh successor",
            gone.pid(), SuccessorProcess.describeExit(gone.process().process().exitValue()));
    }

    /**
     * Takes the standby for a restart.
     * @param next the restart's generation
     * @param key what a standby fixes when it starts, now
     * @param grace how long a stale standby may take to end
     * @return the standby, or null when there is none or it is stale (it is then ended, in the background)
     */
    Standby take(int next, String key, Duration grace)
    {
        Standby taken;
        synchronized (this)
        {
            taken = standby;
            standby = null;
        }
        if (taken == null)
            return null;
        String stale = taken.staleReason(next, key);
        if (stale == null)
            return taken;
        LOG.info("restart: not using the standby: {}; starting a fresh successor", stale);
        Thread end = new Thread(() -> taken.cancel(grace), "nserv-standby-end");
        end.setDaemon(true);
        end.start();
        return null;
    }

    /**
     * Ends the standby, and starts no other.
     * @param grace how long it may take to end
     */
    void close(Duration grace)
    {
        Standby ended;
        synchronized (this)
        {
            closed = true;
            ended = standby;
            standby = null;
            if (scheduled != null)
                scheduled.cancel(false);
        }
        if (ended != null)
            LOG.info("restart: standby (pid {}) ended: {}", ended.pid(), ended.cancel(grace));
    }

    /**
     * @return the standby's pid, or -1
     */
    synchronized long pid()
    {
        return standby == null ? -1 : standby.pid();
    }
}
