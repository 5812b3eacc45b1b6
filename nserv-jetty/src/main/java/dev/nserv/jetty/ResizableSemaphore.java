package dev.nserv.jetty;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * <p>A counting semaphore whose number of permits (the limit) can be raised and lowered while permits are held.</p>
 * <p>{@code held} counts the permits taken; a permit can be taken while {@code held < limit}. Raising the limit
 * wakes every waiter at once. Lowering it takes nothing back: {@code held} may stay above the new limit, and no
 * permit is handed out until enough holders have released theirs (this is how a lowered connection limit
 * "closes nothing and takes effect as connections end").</p>
 * <p>This is not a {@link java.util.concurrent.Semaphore} subclass because the throttled connector needs two
 * things that class cannot give: waiters must be woken when something other than a release changes
 * (the overload policy switching to shedding), and a holder must be able to tell whether the limit was lowered
 * after it took its permit (see {@link #lowerings()}), to re-check a permit that an acceptor took before
 * blocking in {@code accept()}.</p>
 * <pre>{@code
 * ResizableSemaphore permits = new ResizableSemaphore(1000);
 * if (permits.acquire(() -> true))
 *     try { serve(); } finally { permits.release(); }
 * permits.setLimit(10); // from any thread, at any time
 * }</pre>
 */
final class ResizableSemaphore
{
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Written under the lock; volatile so that getters need not take it.
    private volatile int limit;
    private volatile int held;
    private volatile int waiting;
    private volatile long lowerings;

    /**
     * @param limit the initial number of permits, at least 1
     */
    ResizableSemaphore(int limit)
    {
        this.limit = checkLimit(limit);
    }

    private static int checkLimit(int limit)
    {
        if (limit < 1)
            throw new IllegalArgumentException("maxConnections must be at least 1, but was " + limit +
                ": set a positive limit (the default is " + ThrottledServerConnector.DEFAULT_MAX_CONNECTIONS + ")");
        return limit;
    }

    /**
     * @return the current limit
     */
    int limit()
    {
        return limit;
    }

    /**
     * @return the number of permits held
     */
    int held()
    {
        return held;
    }

    /**
     * @return the number of threads blocked in {@link #acquire(BooleanSupplier)}
     */
    int waiting()
    {
        return waiting;
    }

    /**
     * @return how many times the limit has been lowered; a holder that reads a different value after taking its
     * permit must assume the permit may exceed the new limit
     */
    long lowerings()
    {
        return lowerings;
    }

    /**
     * Sets the limit. Raising it wakes all waiters; lowering it revokes nothing.
     *
     * @param newLimit the new number of permits, at least 1
     * @throws IllegalArgumentException if {@code newLimit < 1}
     */
    void setLimit(int newLimit)
    {
        checkLimit(newLimit);
        lock.lock();
        try
        {
            if (newLimit < limit)
                lowerings++;
            limit = newLimit;
            changed.signalAll();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Takes a permit, waiting while none is free and {@code keepWaiting} says so.
     *
     * @param keepWaiting evaluated under the lock before every wait; when it turns false the call returns false
     * without a permit (call {@link #wakeAll()} after changing what it reads)
     * @return true if a permit was taken, false if the caller gave up waiting
     * @throws InterruptedException if interrupted while waiting; no permit is then held
     */
    boolean acquire(BooleanSupplier keepWaiting) throws InterruptedException
    {
        lock.lockInterruptibly();
        try
        {
            if (held < limit)
            {
                held++;
                return true;
            }
            waiting++;
            try
            {
                while (held >= limit)
                {
                    if (!keepWaiting.getAsBoolean())
                        return false;
                    changed.await();
                }
                held++;
                return true;
            }
            finally
            {
                waiting--;
            }
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * @return true if a permit was free and has been taken
     */
    boolean tryAcquire()
    {
        lock.lock();
        try
        {
            if (held < limit)
            {
                held++;
                return true;
            }
            return false;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Gives back one permit taken by {@link #acquire(BooleanSupplier)} or {@link #tryAcquire()}.
     */
    void release()
    {
        lock.lock();
        try
        {
            if (held <= 0)
                throw new IllegalStateException("release() without a held permit");
            held--;
            // signalAll, not signal: a woken waiter may give up (keepWaiting false) or be interrupted,
            // and a single signal would then be lost for the others.
            if (waiting > 0 && held < limit)
                changed.signalAll();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Wakes every waiter so that it re-evaluates its {@code keepWaiting} condition.
     */
    void wakeAll()
    {
        lock.lock();
        try
        {
            changed.signalAll();
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public String toString()
    {
        return String.format("%s@%x{held=%d,limit=%d,waiting=%d}", getClass().getSimpleName(), hashCode(), held, limit, waiting);
    }
}
