package dev.nserv.filter;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One admission granted by a {@link Limiter}, given back by saying how the request ended:
 * {@link #succeeded()}, {@link #dropped()} (it failed: an exception, an asynchronous timeout or error) or
 * {@link #ignored()} (it ended in a way that says nothing about load, so an adaptive limit should not learn
 * from it). Whatever path the request takes, and however many of them report, the permit goes back exactly
 * once: the first report wins and the later ones are no-ops.
 *
 * <pre>{@code
 * Permit permit = limiter.acquire();
 * if (permit == null) { reject(); return; }
 * try { work(); permit.succeeded(); } catch (RuntimeException e) { permit.dropped(); throw e; }
 * }</pre>
 */
public final class Permit
{
    /** How a request ended, as reported to the limiter. */
    enum End
    {
        SUCCEEDED, DROPPED, IGNORED
    }

    // a field updater rather than an AtomicBoolean: one allocation less per request
    private static final AtomicIntegerFieldUpdater<Permit> RELEASED = AtomicIntegerFieldUpdater.newUpdater(Permit.class, "released");

    private final Limiter limiter;
    private final boolean timed;
    private final long startNanos;
    private volatile int released;

    /**
     * @param limiter the limiter to give the permit back to
     * @param timed true to measure how long the permit is held (adaptive limits need it)
     */
    Permit(Limiter limiter, boolean timed)
    {
        this.limiter = limiter;
        this.timed = timed;
        this.startNanos = timed ? System.nanoTime() : 0;
    }

    /**
     * The request ended normally: gives the permit back, and its latency to an adaptive limit.
     * @return true if this call released the permit, false if it had been released already
     */
    public boolean succeeded()
    {
        return release(End.SUCCEEDED);
    }

    /**
     * The request failed (an exception from the chain, an asynchronous timeout or error): gives the permit back
     * and tells an adaptive limit to back off.
     * @return true if this call released the permit, false if it had been released already
     */
    public boolean dropped()
    {
        return release(End.DROPPED);
    }

    /**
     * The request ended in a way that says nothing about load: gives the permit back without a sample.
     * @return true if this call released the permit, false if it had been released already
     */
    public boolean ignored()
    {
        return release(End.IGNORED);
    }

    private boolean release(End end)
    {
        if (!RELEASED.compareAndSet(this, 0, 1))
            return false;
        limiter.release(timed ? System.nanoTime() - startNanos : 0, end);
        return true;
    }

    /** @return true once the permit has been released */
    public boolean isReleased()
    {
        return released != 0;
    }
}
