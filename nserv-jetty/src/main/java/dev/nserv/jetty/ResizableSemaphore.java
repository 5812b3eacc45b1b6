package dev.nserv.jetty;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * <p>The connection permits of the throttled connector: a counting semaphore whose number of permits
 * (the limit) can be raised and lowered while permits are held, and whose permits can be <em>reserved</em> by an
 * acceptor before it blocks in {@code accept()}.</p>
 * <p>{@code held} counts permits taken, reserved ones included; {@code reserved} counts those taken by acceptors
 * still blocked in {@code accept()}, so {@code held - reserved} is the number of connections holding a permit.
 * Raising the limit wakes every waiter at once. Lowering it takes nothing back: {@code held} may stay above the
 * new limit, and no permit is handed out until enough holders have released theirs (this is how a lowered
 * connection limit "closes nothing and takes effect as connections end").</p>
 * <p>A reservation stands for a client that is not there yet, so a client already accepted does not count it:
 * it gets a permit while {@code held - reserved < limit}, even if that takes {@code held} over the limit (this
 * happens after switching to the shedding policy, or after lowering the limit, while acceptors still sit in
 * {@code accept()} with reservations). A reservation is checked again when it is redeemed: if converting it
 * would put the connections over the limit, it is given back instead. So connections, {@code held - reserved},
 * never go over the limit through a permit handed out while the limit was in force, and a reservation never
 * keeps an accepted client waiting.</p>
 * <p>This is not a {@link java.util.concurrent.Semaphore} subclass because the connector needs what that class
 * cannot give: reservations checked at redemption, and waking waiters when something other than a release
 * changes (the overload policy switching to shedding).</p>
 * <pre>{@code
 * ResizableSemaphore permits = new ResizableSemaphore(1000);
 * if (permits.reserve(() -> true))
 * {
 *     SocketChannel channel = server.accept();
 *     if (permits.redeem() || permits.acquire(() -> true))
 *         serve(channel); // and permits.release() when it closes
 * }
 * permits.setLimit(10); // from any thread, at any time
 * }</pre>
 */
final class ResizableSemaphore
{
    /** The limit when none is set: 1000, the connection limit of the original nserv. */
    static final int DEFAULT_LIMIT = 1000;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Written under the lock; volatile so that getters need not take it.
    private volatile int limit;
    private volatile int held;
    private volatile int reserved;
    private volatile int waiting;

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
                ": set a positive limit (the default is " + DEFAULT_LIMIT + ")");
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
     * @return the number of permits held, reserved ones included
     */
    int held()
    {
        return held;
    }

    /**
     * @return the number of permits reserved by acceptors blocked in {@code accept()}
     */
    int reserved()
    {
        return reserved;
    }

    /**
     * @return the number of threads waiting for a permit
     */
    int waiting()
    {
        return waiting;
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
            limit = newLimit;
            changed.signalAll();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Reserves a permit for a client not accepted yet, waiting while none is free and {@code keepWaiting} says
     * so. Every successful call must be followed by one {@link #redeem()}.
     *
     * @param keepWaiting evaluated under the lock before every wait; when it turns false the call returns false
     * without a permit (call {@link #wakeAll()} after changing what it reads)
     * @return true if a permit was reserved, false if the caller gave up waiting
     * @throws InterruptedException if interrupted while waiting; no permit is then held
     */
    boolean reserve(BooleanSupplier keepWaiting) throws InterruptedException
    {
        lock.lockInterruptibly();
        try
        {
            // A reservation never borrows: it must be a free slot under the limit.
            if (!await(() -> held < limit, keepWaiting))
                return false;
            held++;
            reserved++;
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Turns a reservation into a permit held by the client just accepted (or about to be released, if the
     * accept failed), unless that would put the connections over the limit, which may have been lowered, or
     * taken by accepted clients, since the reservation was made.
     *
     * @return true if the caller now holds a permit, false if the reservation was given back and nothing is held
     */
    boolean redeem()
    {
        lock.lock();
        try
        {
            if (reserved <= 0)
                throw new IllegalStateException("redeem() without a reservation");
            reserved--;
            if (held - reserved > limit)
            {
                held--;
                signalWaiters();
                return false;
            }
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Takes a permit for a client already accepted, waiting while none is free and {@code keepWaiting} says so.
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
            if (!await(this::canTake, keepWaiting))
                return false;
            held++;
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * @return true if a permit for a client already accepted was free, reservations aside, and has been taken
     */
    boolean tryAcquire()
    {
        lock.lock();
        try
        {
            if (!canTake())
                return false;
            held++;
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Takes a permit for a client already accepted, waiting at most the timeout for one to be given back.
     *
     * @param timeoutNanos the longest wait, in nanoseconds
     * @return true if a permit was taken, false when none came back in time
     * @throws InterruptedException if interrupted while waiting; no permit is then held
     */
    boolean tryAcquire(long timeoutNanos) throws InterruptedException
    {
        lock.lockInterruptibly();
        try
        {
            long left = timeoutNanos;
            waiting++;
            try
            {
                while (!canTake())
                {
                    if (left <= 0)
                        return false;
                    left = changed.awaitNanos(left);
                }
            }
            finally
            {
                waiting--;
            }
            held++;
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    // Under the lock.
    private boolean await(BooleanSupplier available, BooleanSupplier keepWaiting) throws InterruptedException
    {
        if (available.getAsBoolean())
            return true;
        waiting++;
        try
        {
            while (!available.getAsBoolean())
            {
                if (!keepWaiting.getAsBoolean())
                    return false;
                changed.await();
            }
            return true;
        }
        finally
        {
            waiting--;
        }
    }

    // Under the lock: room for one more connection, whatever acceptors have reserved.
    private boolean canTake()
    {
        return held - reserved < limit;
    }

    /**
     * Gives back one permit taken by {@link #acquire(BooleanSupplier)}, {@link #tryAcquire()} or a redeemed
     * reservation.
     */
    void release()
    {
        lock.lock();
        try
        {
            if (held - reserved <= 0)
                throw new IllegalStateException("release() without a held permit");
            held--;
            signalWaiters();
        }
        finally
        {
            lock.unlock();
        }
    }

    // Under the lock. signalAll, not signal: a woken waiter may give up (keepWaiting false) or be interrupted,
    // and a single signal would then be lost for the others.
    private void signalWaiters()
    {
        if (waiting > 0)
            changed.signalAll();
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
        return String.format("%s@%x{held=%d,reserved=%d,limit=%d,waiting=%d}",
            getClass().getSimpleName(), hashCode(), held, reserved, limit, waiting);
    }
}
