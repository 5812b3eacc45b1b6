package dev.nserv.filter;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A resizable concurrency limit with an optional bounded wait queue. {@link #acquire()} hands out a
 * {@link Permit} while fewer than {@link #getLimit()} are held; over the limit it rejects (returns null) at
 * once, or waits in a FIFO or LIFO queue of bounded size for at most the queue timeout. A full FIFO queue
 * rejects the newcomer; a full LIFO queue rejects its oldest waiter instead and queues the newcomer.
 *
 * <p>A freed permit is handed directly to the next waiter, never put back for grabs: a waiter cannot be
 * overtaken by a newcomer, and the invariant "queue not empty implies every permit taken" always holds.
 * Raising the limit wakes as many waiters as it frees permits for, at once; lowering it takes no permit away,
 * so it takes effect as requests finish. With an adaptive mode the limit also moves by itself, within
 * [min, max], after every released permit.</p>
 *
 * <p>Waiting blocks the calling (container) thread, so the queue size also bounds how many threads can wait.</p>
 *
 * <pre>{@code
 * Limiter limiter = new Limiter("api", new ConcurrencyLimitSettings().setLimit(50));
 * Permit permit = limiter.acquire();
 * if (permit == null) { reject(); return; }
 * try { work(); } finally { permit.release(false); }
 * }</pre>
 */
public final class Limiter implements ConcurrencyLimitMBean
{
    private final String name;
    private final QueuePolicy policy;
    private final int queueSize;
    private final long queueTimeoutNanos;
    private final AdaptiveMode adaptive;
    private final LimitAlgorithm algorithm;
    private final int minLimit;
    private final int maxLimit;

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    // written under the lock, volatile so that JMX reads need not take it
    private volatile int limit;
    private volatile int inFlight;
    private volatile int queued;
    private boolean closed;

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();

    /**
     * @param name the limiter name (shown in JMX)
     * @param settings the limit, policy, queue and adaptive settings; validated here
     * @throws IllegalArgumentException if the settings disagree with each other
     */
    public Limiter(String name, ConcurrencyLimitSettings settings)
    {
        settings.validate();
        this.name = name;
        this.policy = settings.getPolicy();
        this.queueSize = settings.getQueueSize();
        this.queueTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(settings.getQueueTimeoutMillis());
        this.adaptive = settings.getAdaptive();
        this.limit = settings.getLimit();
        switch (adaptive)
        {
            case AIMD:
                algorithm = new AimdLimit(settings.getAimdBackoff(), settings.getLatencyThresholdMillis());
                minLimit = settings.getMinLimit();
                maxLimit = settings.getMaxLimit();
                break;
            case GRADIENT:
                algorithm = new GradientLimit(settings.getLimit());
                minLimit = settings.getMinLimit();
                maxLimit = settings.getMaxLimit();
                break;
            default:
                algorithm = null;
                minLimit = 0;
                maxLimit = Integer.MAX_VALUE;
                break;
        }
    }

    /**
     * Asks for a permit, waiting in the queue if the policy says so.
     * @return the permit, or null if the request must be rejected (over the limit with policy reject, queue
     *     full, queue timeout, interrupted while waiting, or limiter closed); an interrupt is preserved
     */
    public Permit acquire()
    {
        lock.lock();
        try
        {
            if (!closed && inFlight < limit && waiters.isEmpty())
            {
                inFlight = inFlight + 1;
                accepted.incrementAndGet();
                return new Permit(this, algorithm != null);
            }
            if (closed || !policy.queues() || (waiters.size() >= queueSize && policy != QueuePolicy.LIFO))
            {
                rejected.incrementAndGet();
                return null;
            }
            if (waiters.size() >= queueSize)
            {
                // LIFO and full: the oldest waiter is the one least likely to be served in time, so it makes room
                Waiter oldest = waiters.pollFirst();
                oldest.evicted = true;
                oldest.condition.signal();
            }
            return await();
        }
        finally
        {
            lock.unlock();
        }
    }

    // called with the lock held
    private Permit await()
    {
        Waiter waiter = new Waiter(lock.newCondition());
        waiters.addLast(waiter);
        queued = waiters.size();
        long remaining = queueTimeoutNanos;
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
        // the grant happens under the lock too, so this check cannot race with it
        if (waiter.granted)
        {
            accepted.incrementAndGet();
            if (interrupted)
                Thread.currentThread().interrupt();
            return new Permit(this, algorithm != null);
        }
        if (!waiter.evicted)
            waiters.remove(waiter);
        queued = waiters.size();
        rejected.incrementAndGet();
        if (interrupted)
            Thread.currentThread().interrupt();
        else if (!closed && !waiter.evicted)
            timedOut.incrementAndGet();
        return null;
    }

    void release(long latencyNanos, boolean dropped)
    {
        lock.lock();
        try
        {
            int held = inFlight;
            inFlight = held - 1;
            if (algorithm != null)
            {
                int next = Math.max(minLimit, Math.min(maxLimit, algorithm.update(limit, latencyNanos, held, dropped)));
                if (algorithm instanceof GradientLimit)
                    ((GradientLimit)algorithm).clamp(minLimit, maxLimit);
                limit = next;
            }
            grant();
        }
        finally
        {
            lock.unlock();
        }
    }

    // called with the lock held: hand free permits straight to waiters
    private void grant()
    {
        while (inFlight < limit && !waiters.isEmpty())
        {
            Waiter waiter = policy == QueuePolicy.LIFO ? waiters.pollLast() : waiters.pollFirst();
            waiter.granted = true;
            inFlight = inFlight + 1;
            waiter.condition.signal();
        }
        queued = waiters.size();
    }

    /**
     * Rejects every waiting and future request; permits held can still be released. Used when the last
     * filter using the limiter is destroyed.
     */
    public void close()
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

    @Override
    public String getName()
    {
        return name;
    }

    @Override
    public int getLimit()
    {
        return limit;
    }

    @Override
    public void setLimit(int limit)
    {
        if (limit < 0)
            throw new IllegalArgumentException("limit " + limit + " is negative: use 0 or more (0 rejects every request)");
        if (algorithm != null && (limit < minLimit || limit > maxLimit))
            throw new IllegalArgumentException("limit " + limit + " must lie between min limit " + minLimit + " and max limit " + maxLimit + " (adaptive)");
        lock.lock();
        try
        {
            this.limit = limit;
            if (algorithm != null)
                algorithm.limitSet(limit);
            grant();
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public int getMinLimit()
    {
        return algorithm == null ? 0 : minLimit;
    }

    @Override
    public int getMaxLimit()
    {
        return algorithm == null ? 0 : maxLimit;
    }

    @Override
    public String getAdaptive()
    {
        return adaptive.id();
    }

    @Override
    public String getPolicy()
    {
        return policy.id();
    }

    @Override
    public int getQueueSize()
    {
        return policy.queues() ? queueSize : 0;
    }

    @Override
    public long getQueueTimeoutMillis()
    {
        return policy.queues() ? TimeUnit.NANOSECONDS.toMillis(queueTimeoutNanos) : 0;
    }

    @Override
    public int getInFlight()
    {
        return inFlight;
    }

    @Override
    public int getQueued()
    {
        return queued;
    }

    @Override
    public long getAccepted()
    {
        return accepted.get();
    }

    @Override
    public long getRejected()
    {
        return rejected.get();
    }

    @Override
    public long getTimedOut()
    {
        return timedOut.get();
    }

    @Override
    public long getTotal()
    {
        return accepted.get() + rejected.get();
    }

    @Override
    public String toString()
    {
        return "Limiter[" + name + " limit=" + limit + " inFlight=" + inFlight + " queued=" + queued + " policy=" + policy.id() + " adaptive=" + adaptive.id() + "]";
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
