package dev.nserv.filter;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One admission granted by a {@link Limiter}. Whatever path the request takes (normal return, exception,
 * asynchronous completion, timeout or error, a client disconnect surfacing as any of these), the permit goes
 * back exactly once: {@link #release(boolean)} is guarded, so calling it from several of those paths is safe.
 */
public final class Permit
{
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
     * Gives the permit back, the first time only.
     * @param dropped true if the request failed (feeds an adaptive limit)
     * @return true if this call released it, false if it had been released already
     */
    public boolean release(boolean dropped)
    {
        if (!RELEASED.compareAndSet(this, 0, 1))
            return false;
        limiter.release(timed ? System.nanoTime() - startNanos : 0, dropped);
        return true;
    }

    /** @return true once the permit has been released */
    public boolean isReleased()
    {
        return released != 0;
    }
}
