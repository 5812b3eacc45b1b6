package dev.nserv.filter;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A resizable concurrency limit with an optional bounded wait queue. {@link #acquire()} hands out a
 * {@link Permit} while fewer than {@link #getLimit()} are held; over the limit it rejects (returns null) at
 * once, or waits in a FIFO or LIFO queue of bounded size for at most the queue timeout. A full FIFO queue
 * rejects the newcomer; a full LIFO queue rejects its oldest waiter instead and queues the newcomer.
 *
 * <p>Taking a free permit is lock-free (a compare-and-set); the lock is taken only to queue, to hand a freed
 * permit to a waiter, and by adaptive limits. A freed permit is handed directly to the next waiter, and no
 * newcomer takes a permit while requests wait, so waiters are not overtaken. Raising the limit wakes as many
 * waiters as it frees permits for, at once; lowering it takes no permit away, so it takes effect as requests
 * finish. With an adaptive mode the limit also moves by itself, within [min, max], after every released
 * permit.</p>
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
    // written under the lock (limit also by the adaptive update), volatile so that readers need not take it
    private volatile int limit;
    private final AtomicInteger inFlight = new AtomicInteger();
    // the number of waiters: written under the lock, read without it by the fast paths
    private volatile int queued;
    private volatile boolean closed;
    // more than one filter uses this limiter (set by LimiterRegistry)
    private volatile boolean shared;

    private final LongAdder accepted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder timedOut = new LongAdder();

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
        // fast path, no lock: take a free permit unless someone waits (waiters are served first)
        while (!closed && queued == 0)
        {
            int held = inFlight.get();
            if (held >= limit)
                break;
            if (inFlight.compareAndSet(held, held + 1))
            {
                accepted.increment();
                return new Permit(this, algorithm != null);
            }
        }
        if (closed || !policy.queues())
        {
            rejected.increment();
            return null;
        }
        lock.lock();
        try
        {
            return enqueue();
        }
        finally
        {
            lock.unlock();
        }
    }

    // called with the lock held
    private Permit enqueue()
    {
        if (closed)
        {
            rejected.increment();
            return null;
        }
        if (waiters.size() >= queueSize)
        {
            if (policy != QueuePolicy.LIFO)
            {
                rejected.increment();
                return null;
            }
            // LIFO and full: the oldest waiter is the one least likely to be served in time, so it makes room
            Waiter oldest = waiters.pollFirst();
            oldest.evicted = true;
            oldest.condition.signal();
        }
        Waiter waiter = new Waiter(lock.newCondition());
        waiters.addLast(waiter);
        queued = waiters.size();
        // a permit freed between the fast path and the write of queued above was not handed to anyone: the
        // releaser read queued == 0 before this write (volatile accesses are totally ordered), so grant it here
        grant();
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
        // grants happen under the lock too, so this check cannot race with one
        if (waiter.granted)
        {
            accepted.increment();
            if (interrupted)
                Thread.currentThread().interrupt();
            return new Permit(this, algorithm != null);
        }
        if (!waiter.evicted)
            waiters.remove(waiter);
        queued = waiters.size();
        rejected.increment();
        if (interrupted)
            Thread.currentThread().interrupt();
        else if (!closed && !waiter.evicted)
            timedOut.increment();
        return null;
    }

    void release(long latencyNanos, boolean dropped)
    {
        int held = inFlight.getAndDecrement();
        if (algorithm != null)
        {
            // the algorithms keep state: serialise them, and grant waiters the room a raised limit made
            lock.lock();
            try
            {
                int next = Math.max(minLimit, Math.min(maxLimit, algorithm.update(limit, latencyNanos, held, dropped)));
                if (algorithm instanceof GradientLimit)
                    ((GradientLimit)algorithm).clamp(minLimit, maxLimit);
                limit = next;
                grant();
            }
            finally
            {
                lock.unlock();
            }
            return;
        }
        // pairs with enqueue(): it writes queued then looks for room, this frees room then reads queued, so at
        // least one of the two sees the other and the freed permit reaches the waiter
        if (queued > 0)
        {
            lock.lock();
            try
            {
                grant();
            }
            finally
            {
                lock.unlock();
            }
        }
    }

    // called with the lock held: hand free permits straight to waiters (a fast-path acquirer may race for the
    // same room, hence the compare-and-set)
    private void grant()
    {
        while (!waiters.isEmpty())
        {
            int held = inFlight.get();
            if (held >= limit)
                break;
            if (!inFlight.compareAndSet(held, held + 1))
                continue;
            Waiter waiter = policy == QueuePolicy.LIFO ? waiters.pollLast() : waiters.pollFirst();
            waiter.granted = true;
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

    /** @return true while more than one filter uses this limiter */
    boolean isShared()
    {
        return shared;
    }

    void setShared(boolean shared)
    {
        this.shared = shared;
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
        return inFlight.get();
    }

    @Override
    public int getQueued()
    {
        return queued;
    }

    @Override
    public long getAccepted()
    {
        return accepted.sum();
    }

    @Override
    public long getRejected()
    {
        return rejected.sum();
    }

    @Override
    public long getTimedOut()
    {
        return timedOut.sum();
    }

    @Override
    public long getTotal()
    {
        return accepted.sum() + rejected.sum();
    }

    @Override
    public String toString()
    {
        return "Limiter[" + name + " limit=" + limit + " inFlight=" + inFlight.get() + " queued=" + queued + " policy=" + policy.id() + " adaptive=" + adaptive.id() + "]";
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
