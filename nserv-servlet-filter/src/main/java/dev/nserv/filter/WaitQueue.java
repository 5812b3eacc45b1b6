package dev.nserv.filter;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The bounded queue of a {@link Limiter} whose policy is {@code fifo} or {@code lifo}: requests that found no
 * free permit wait here, each for at most the queue timeout, until room is handed to them. A full FIFO queue
 * turns the newcomer away; a full LIFO queue pushes out its oldest waiter (the one least likely to be served
 * in time) and takes the newcomer.
 *
 * <p>The queue does not count permits: it asks {@code takeRoom} (the limiter's compare-and-set on its
 * in-flight count) whether a permit can be taken, and hands each one it gets straight to a waiter, so that
 * waiters are never overtaken. Waiting blocks the calling thread, so the capacity also bounds those threads.</p>
 *
 * <pre>{@code
 * WaitQueue queue = new WaitQueue(QueuePolicy.FIFO, 100, 500, limiter::tryTake);
 * if (queue.await() == WaitQueue.Outcome.GRANTED) { ...the caller holds a permit... }
 * }</pre>
 */
final class WaitQueue
{
    /** How a wait ended. */
    enum Outcome
    {
        /** Room was handed to the waiter: it holds a permit. */
        GRANTED,
        /** Turned away: queue full, pushed out of a full LIFO queue, interrupted, or queue closed. */
        REJECTED,
        /** Waited the whole queue timeout. */
        TIMED_OUT
    }

    private final QueuePolicy policy;
    private final int capacity;
    private final long timeoutNanos;
    private final BooleanSupplier takeRoom;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    // the number of waiters: written under the lock, read without it by the limiter's fast paths
    private volatile int size;
    private boolean closed;

    /**
     * @param policy {@link QueuePolicy#FIFO} or {@link QueuePolicy#LIFO}
     * @param capacity the most waiters, 1 or more
     * @param timeoutMillis the longest wait, in milliseconds, 1 or more
     * @param takeRoom takes one permit if the limit allows it, else answers false
     */
    WaitQueue(QueuePolicy policy, int capacity, long timeoutMillis, BooleanSupplier takeRoom)
    {
        if (!policy.queues())
            throw new IllegalArgumentException("policy " + policy.id() + " does not queue: use fifo or lifo");
        if (capacity < 1)
            throw new IllegalArgumentException("queue size " + capacity + " must be 1 or more");
        if (timeoutMillis < 1)
            throw new IllegalArgumentException("queue timeout " + timeoutMillis + " ms must be 1 or more");
        this.policy = policy;
        this.capacity = capacity;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.takeRoom = takeRoom;
    }

    /**
     * Waits for a permit. An interrupt ends the wait and is preserved.
     * @return how the wait ended
     */
    Outcome await()
    {
        lock.lock();
        try
        {
            if (closed)
                return Outcome.REJECTED;
            if (waiters.size() >= capacity)
            {
                if (policy != QueuePolicy.LIFO)
                    return Outcome.REJECTED;
                Waiter oldest = waiters.pollFirst();
                oldest.evicted = true;
                oldest.condition.signal();
            }
            Waiter waiter = new Waiter(lock.newCondition());
            waiters.addLast(waiter);
            size = waiters.size();
            // a permit freed between the caller's fast path and the write of size above was handed to nobody:
            // the releaser read size == 0 before this write (volatile accesses are totally ordered), so grant it
            grantLocked();
            return waitFor(waiter);
        }
        finally
        {
            lock.unlock();
        }
    }

    // called with the lock held
    private Outcome waitFor(Waiter waiter)
    {
        long remaining = timeoutNanos;
        boolean interrupted = false;
        try
        {
            while (!waiter.granted && !waiter.evicted && !closed && remaining > 0)
                remaining = waiter.condition.awaitNanos(remaining);
        }
        catch (InterruptedException e)
        {
            interrupted = true;
        }
        if (interrupted)
            Thread.currentThread().interrupt();
        // grants happen under the lock too, so this check cannot race with one
        if (waiter.granted)
            return Outcome.GRANTED;
        if (!waiter.evicted)
            waiters.remove(waiter);
        size = waiters.size();
        return interrupted || closed || waiter.evicted ? Outcome.REJECTED : Outcome.TIMED_OUT;
    }

    /**
     * Hands room that was just freed (or made by a raised limit) to waiters, if any wait. Pairs with
     * {@link #await()}: the caller frees room then reads the size, a waiter writes the size then looks for room,
     * so at least one of the two sees the other.
     */
    void roomFreed()
    {
        if (size == 0)
            return;
        lock.lock();
        try
        {
            grantLocked();
        }
        finally
        {
            lock.unlock();
        }
    }

    // called with the lock held: a fast-path acquirer may race for the same room, takeRoom settles it
    private void grantLocked()
    {
        while (!waiters.isEmpty() && takeRoom.getAsBoolean())
        {
            Waiter waiter = policy == QueuePolicy.LIFO ? waiters.pollLast() : waiters.pollFirst();
            waiter.granted = true;
            waiter.condition.signal();
        }
        size = waiters.size();
    }

    /** Rejects every waiter and every later {@link #await()}. */
    void close()
    {
        lock.lock();
        try
        {
            closed = true;
            for (Waiter waiter : waiters)
                waiter.condition.signal();
        }
        finally
        {
            lock.unlock();
        }
    }

    /** @return true if nobody waits (read without the lock) */
    boolean isEmpty()
    {
        return size == 0;
    }

    /** @return the number of waiters */
    int size()
    {
        return size;
    }

    QueuePolicy getPolicy()
    {
        return policy;
    }

    int getCapacity()
    {
        return capacity;
    }

    long getTimeoutMillis()
    {
        return TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
    }

    private static final class Waiter
    {
        final Condition condition;
        boolean granted;
        boolean evicted;

        Waiter(Condition condition)
        {
            this.condition = condition;
        }
    }
}
