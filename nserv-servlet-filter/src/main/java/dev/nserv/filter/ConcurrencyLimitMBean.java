package dev.nserv.filter;

/**
 * The JMX view of a {@link Limiter} (through {@link ConcurrencyLimitJmx}), registered on the platform
 * MBeanServer as {@code dev.nserv.filter:type=ConcurrencyLimit,name=<limiterName>,instance=<n>}; match every
 * instance with {@code dev.nserv.filter:type=ConcurrencyLimit,name=<limiterName>,*}. {@code Limit} is writable;
 * the rest is read-only. Counters count since the limiter was created.
 */
public interface ConcurrencyLimitMBean
{
    /** @return the limiter name, as in the ObjectName */
    String getName();

    /** @return the current limit: the most requests in flight at once */
    int getLimit();

    /**
     * Changes the limit at once: raising it admits waiting requests immediately; lowering it takes effect as
     * requests in flight finish (none is interrupted).
     * @param limit 0 or more (0 rejects every new request); between MinLimit and MaxLimit when adaptive
     */
    void setLimit(int limit);

    /** @return the lowest limit an adaptive limiter goes to; 0 when not adaptive */
    int getMinLimit();

    /** @return the highest limit an adaptive limiter goes to; 0 when not adaptive */
    int getMaxLimit();

    /** @return {@code none}, {@code aimd} or {@code gradient} */
    String getAdaptive();

    /** @return {@code reject}, {@code fifo} or {@code lifo} */
    String getPolicy();

    /** @return the most requests that may wait */
    int getQueueSize();

    /** @return the longest wait in the queue, in milliseconds */
    long getQueueTimeoutMillis();

    /** @return requests holding a permit now */
    int getInFlight();

    /** @return requests waiting in the queue now */
    int getQueued();

    /** @return requests that got a permit, at once or after waiting */
    long getAccepted();

    /** @return requests rejected: over the limit, queue full (or pushed out of a full LIFO queue), queue timeout, or limiter closed */
    long getRejected();

    /** @return of the rejected requests, those that waited in the queue until the timeout */
    long getTimedOut();

    /** @return every request that asked for a permit: accepted plus rejected */
    long getTotal();
}
