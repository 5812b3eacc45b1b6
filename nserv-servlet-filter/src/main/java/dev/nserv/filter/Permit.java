package dev.nserv.filter;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One admission granted by a {@link Limiter}. Whatever path the request takes (normal return, exception,
 * asynchronous completion, timeout or error, a client disconnect surfacing as any of these), the permit goes
 * back exactly once: {@link #release(boolean)} is guarded, so calling it from several of those paths is safe.
 */
public final class Permit
{
    private final Limiter limiter;
    private final long startNanos;
    private final AtomicBoolean released = new AtomicBoolean();

    Permit(Limiter limiter)
    {
        this.limiter = limiter;
        this.startNanos = System.nanoTime();
    }

    /**
     * Gives the permit back, the first time only.
     * @param dropped true if the request failed (feeds an adaptive limit)
     * @return true if this call released it, false if it had been released already
     */
    public boolean release(boolean dropped)
    {
        if (!released.compareAndSet(false, true))
            return false;
        limiter.release(System.nanoTime() - startNanos, dropped);
        return true;
    }

    /** @return true once the permit has been released */
    public boolean isReleased()
    {
        return released.get();
    }
}
