package dev.nserv.filter;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A resizable concurrency limit: {@link #acquire()} hands out a {@link Permit} while fewer than
 * {@link #getLimit()} are held; over the limit it rejects (returns null) at once, or, with policy fifo or lifo,
 * lets the request wait in a {@link WaitQueue}. The {@link LimitAlgorithm} built by the adaptive mode owns the
 * range of the limit and, if adaptive, moves it after every released permit.
 *
 * <p>Taking a free permit is lock-free (a compare-and-set on the in-flight count). No newcomer takes a permit
 * while requests wait, and a freed permit goes straight to the next waiter. Raising the limit admits waiters
 * at once; lowering it takes no permit away, so it takes effect as requests finish. JMX sees a limiter through
 * {@link ConcurrencyLimitJmx}.</p>
 *
 * <pre>{@code
 * Limiter limiter = new Limiter("api", new ConcurrencyLimitSettings().setLimit(50));
 * Permit permit = limiter.acquire();
 * if (permit == null) { reject(); return; }
 * try { work(); permit.succeeded(); } catch (RuntimeException e) { permit.dropped(); throw e; }
 * }</pre>
 */
public final class Limiter
{
    private final String name;
    private final LimitAlgorithm algorithm;
    private final boolean adaptive;
    private final String adaptiveId;
    // null with policy reject
    private final WaitQueue queue;
    // serialises the algorithm (it keeps state) and the writes of limit
    private final Object update = new Object();
    private volatile int limit;
    private final AtomicInteger inFlight = new AtomicInteger();
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
        this.algorithm = settings.getAdaptive().create(settings);
        this.algorithm.check(settings.getLimit());
        this.adaptive = algorithm.isAdaptive();
        this.adaptiveId = settings.getAdaptive().id();
        this.limit = settings.getLimit();
        QueuePolicy policy = settings.getPolicy();
        this.queue = policy.queues() ? new WaitQueue(policy, settings.getQueueSize(), settings.getQueueTimeoutMillis(), this::tryTake) : null;
    }

    /**
     * Asks for a permit, waiting in the queue if the policy says so.
     * @return the permit, or null if the request must be rejected (over the limit with policy reject, queue
     *     full, queue timeout, interrupted while waiting, or limiter closed); an interrupt is preserved
     */
    public Permit acquire()
    {
        // waiters are served first: the fast path is open only while nobody waits
        if (!closed && (queue == null || queue.isEmpty()) && tryTake())
            return admitted();
        if (closed || queue == null)
        {
            rejected.increment();
            return null;
        }
        WaitQueue.Outcome outcome = queue.await();
        if (outcome == WaitQueue.Outcome.GRANTED)
            return admitted();
        rejected.increment();
        if (outcome == WaitQueue.Outcome.TIMED_OUT)
            timedOut.increment();
        return null;
    }

    private Permit admitted()
    {
        accepted.increment();
        return new Permit(this, adaptive);
    }

    // takes one permit if the limit allows it; also the queue's way to take room for a waiter
    private boolean tryTake()
    {
        while (true)
        {
            int held = inFlight.get();
            if (held >= limit)
                return false;
            if (inFlight.compareAndSet(held, held + 1))
                return true;
        }
    }

    void release(long latencyNanos, Permit.End end)
    {
        int held = inFlight.getAndDecrement();
        if (adaptive && end != Permit.End.IGNORED)
        {
            synchronized (update)
            {
                limit = algorithm.update(limit, latencyNanos, held, end == Permit.End.DROPPED);
            }
        }
        if (queue != null)
            queue.roomFreed();
    }

    /**
     * Rejects every waiting and future request; permits held can still be released. Used when the last
     * filter using the limiter is destroyed.
     */
    public void close()
    {
        closed = true;
        if (queue != null)
            queue.close();
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

    LimitAlgorithm getAlgorithm()
    {
        return algorithm;
    }

    /** @return the wait queue, null with policy reject */
    WaitQueue getQueue()
    {
        return queue;
    }

    /** @return the limiter name, as shown in JMX */
    public String getName()
    {
        return name;
    }

    /** @return the current limit: the most requests in flight at once */
    public int getLimit()
    {
        return limit;
    }

    /**
     * Changes the limit at once: raising it admits waiters immediately; lowering it takes no permit away. An
     * adaptive limit restarts its estimate from here.
     * @param limit 0 or more (0 rejects every new request); within the algorithm's min and max when adaptive
     * @throws IllegalArgumentException if the limit is outside the algorithm's range
     */
    public void setLimit(int limit)
    {
        algorithm.check(limit);
        synchronized (update)
        {
            this.limit = limit;
            algorithm.limitSet(limit);
        }
        if (queue != null)
            queue.roomFreed();
    }

    /** @return {@code reject}, {@code fifo} or {@code lifo} */
    public String getPolicy()
    {
        return queue == null ? QueuePolicy.REJECT.id() : queue.getPolicy().id();
    }

    /** @return {@code none}, {@code aimd} or {@code gradient} */
    public String getAdaptive()
    {
        return adaptiveId;
    }

    /** @return requests holding a permit now */
    public int getInFlight()
    {
        return inFlight.get();
    }

    /** @return requests waiting in the queue now */
    public int getQueued()
    {
        return queue == null ? 0 : queue.size();
    }

    /** @return requests that got a permit, at once or after waiting */
    public long getAccepted()
    {
        return accepted.sum();
    }

    /** @return requests rejected: over the limit, queue full or pushed out, queue timeout, or limiter closed */
    public long getRejected()
    {
        return rejected.sum();
    }

    /** @return of the rejected requests, those that waited until the queue timeout */
    public long getTimedOut()
    {
        return timedOut.sum();
    }

    /** @return accepted plus rejected */
    public long getTotal()
    {
        return accepted.sum() + rejected.sum();
    }

    @Override
    public String toString()
    {
        return "Limiter[" + name + " limit=" + limit + " inFlight=" + inFlight.get() + " queued=" + getQueued() + " policy=" + getPolicy() + " adaptive=" + adaptiveId + "]";
    }
}
