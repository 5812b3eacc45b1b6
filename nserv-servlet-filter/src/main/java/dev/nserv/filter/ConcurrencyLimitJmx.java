package dev.nserv.filter;

import javax.management.ObjectName;

import jakarta.servlet.ServletException;

/**
 * The JMX face of a {@link Limiter}, kept out of the limiter itself: it turns the limiter's state and its
 * algorithm's and queue's configuration into the attributes of {@link ConcurrencyLimitMBean}, with 0 for what
 * does not apply (MinLimit and MaxLimit when not adaptive, QueueSize and QueueTimeoutMillis with policy reject).
 *
 * <pre>{@code
 * ObjectName name = ConcurrencyLimitJmx.register(limiter);
 * ...
 * Jmx.unregister(name);
 * }</pre>
 */
final class ConcurrencyLimitJmx implements ConcurrencyLimitMBean
{
    /** The {@code type} key of the ObjectName. */
    static final String TYPE = "ConcurrencyLimit";

    private final Limiter limiter;

    ConcurrencyLimitJmx(Limiter limiter)
    {
        this.limiter = limiter;
    }

    /**
     * Registers the limiter's MBean under {@code dev.nserv.filter:type=ConcurrencyLimit,name=<name>,instance=<n>}.
     * @return the name it got
     */
    static ObjectName register(Limiter limiter) throws ServletException
    {
        return Jmx.register(new ConcurrencyLimitJmx(limiter), ConcurrencyLimitMBean.class, TYPE, limiter.getName());
    }

    @Override
    public String getName()
    {
        return limiter.getName();
    }

    @Override
    public int getLimit()
    {
        return limiter.getLimit();
    }

    @Override
    public void setLimit(int limit)
    {
        limiter.setLimit(limit);
    }

    @Override
    public int getMinLimit()
    {
        LimitAlgorithm algorithm = limiter.getAlgorithm();
        return algorithm.isAdaptive() ? algorithm.getMinLimit() : 0;
    }

    @Override
    public int getMaxLimit()
    {
        LimitAlgorithm algorithm = limiter.getAlgorithm();
        return algorithm.isAdaptive() ? algorithm.getMaxLimit() : 0;
    }

    @Override
    public String getAdaptive()
    {
        return limiter.getAdaptive();
    }

    @Override
    public String getPolicy()
    {
        return limiter.getPolicy();
    }

    @Override
    public int getQueueSize()
    {
        WaitQueue queue = limiter.getQueue();
        return queue == null ? 0 : queue.getCapacity();
    }

    @Override
    public long getQueueTimeoutMillis()
    {
        WaitQueue queue = limiter.getQueue();
        return queue == null ? 0 : queue.getTimeoutMillis();
    }

    @Override
    public int getInFlight()
    {
        return limiter.getInFlight();
    }

    @Override
    public int getQueued()
    {
        return limiter.getQueued();
    }

    @Override
    public long getAccepted()
    {
        return limiter.getAccepted();
    }

    @Override
    public long getRejected()
    {
        return limiter.getRejected();
    }

    @Override
    public long getTimedOut()
    {
        return limiter.getTimedOut();
    }

    @Override
    public long getTotal()
    {
        return limiter.getTotal();
    }
}
