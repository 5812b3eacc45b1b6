package dev.nserv.filter;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The configuration of a {@link ConcurrencyLimitFilter} and of the {@link Limiter} it uses. Every setter
 * validates its argument and throws {@link IllegalArgumentException} naming the value and the fix;
 * {@link #validate()} checks the settings against each other. Init-params (see {@link ConcurrencyLimitFilter})
 * are parsed into this class, so programmatic and web.xml configuration follow the same rules.
 *
 * <pre>{@code
 * ConcurrencyLimitSettings settings = new ConcurrencyLimitSettings()
 *     .setLimit(200).setPolicy(QueuePolicy.FIFO).setQueueSize(100).setQueueTimeoutMillis(500);
 * servletContext.addFilter("limit", new ConcurrencyLimitFilter(settings)).addMappingForUrlPatterns(null, false, "/*");
 * }</pre>
 */
public final class ConcurrencyLimitSettings
{
    /** Limiter names are used as they are in the JMX ObjectName, so only characters that need no quoting. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private String limiterName;
    private int limit = 100;
    private QueuePolicy policy = QueuePolicy.REJECT;
    private int queueSize = 100;
    private long queueTimeoutMillis = 1000;
    private int rejectStatus = 503;
    private int retryAfterSeconds = 1;
    private AdaptiveMode adaptive = AdaptiveMode.NONE;
    private int minLimit = 1;
    private int maxLimit = 1000;
    private double aimdBackoff = 0.9;
    private long latencyThresholdMillis = 1000;
    private boolean jmx = true;

    /** Creates settings with the defaults listed in the README. */
    public ConcurrencyLimitSettings()
    {
    }

    /** Copy constructor. @param other the settings to copy */
    public ConcurrencyLimitSettings(ConcurrencyLimitSettings other)
    {
        limiterName = other.limiterName;
        limit = other.limit;
        policy = other.policy;
        queueSize = other.queueSize;
        queueTimeoutMillis = other.queueTimeoutMillis;
        rejectStatus = other.rejectStatus;
        retryAfterSeconds = other.retryAfterSeconds;
        adaptive = other.adaptive;
        minLimit = other.minLimit;
        maxLimit = other.maxLimit;
        aimdBackoff = other.aimdBackoff;
        latencyThresholdMillis = other.latencyThresholdMillis;
        jmx = other.jmx;
    }

    /** @return the limiter name, or null to derive one from the context path and filter name */
    public String getLimiterName()
    {
        return limiterName;
    }

    /**
     * Filters (in one class loader) that use the same name share one limiter and one MBean.
     * @param limiterName 1 to 128 characters from {@code A-Z a-z 0-9 . _ -}; null to derive a name
     * @return this
     */
    public ConcurrencyLimitSettings setLimiterName(String limiterName)
    {
        if (limiterName != null && !NAME.matcher(limiterName).matches())
            throw new IllegalArgumentException("limiter name '" + limiterName + "' must be 1 to 128 characters from A-Z a-z 0-9 . _ -");
        this.limiterName = limiterName;
        return this;
    }

    /** @return the (initial) limit */
    public int getLimit()
    {
        return limit;
    }

    /**
     * @param limit requests in flight at once, 0 or more; 0 rejects every request (maintenance)
     * @return this
     */
    public ConcurrencyLimitSettings setLimit(int limit)
    {
        if (limit < 0)
            throw new IllegalArgumentException("limit " + limit + " is negative: use 0 or more (0 rejects every request)");
        this.limit = limit;
        return this;
    }

    /** @return what happens over the limit */
    public QueuePolicy getPolicy()
    {
        return policy;
    }

    /**
     * @param policy reject at once, or wait in a FIFO or LIFO queue
     * @return this
     */
    public ConcurrencyLimitSettings setPolicy(QueuePolicy policy)
    {
        this.policy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** @return the most requests that may wait at once */
    public int getQueueSize()
    {
        return queueSize;
    }

    /**
     * @param queueSize the most requests that may wait at once (each holds a container thread), 1 or more;
     *     a request that finds the queue full is rejected at once
     * @return this
     */
    public ConcurrencyLimitSettings setQueueSize(int queueSize)
    {
        if (queueSize < 1)
            throw new IllegalArgumentException("queue size " + queueSize + " must be 1 or more (use policy reject for no queue)");
        this.queueSize = queueSize;
        return this;
    }

    /** @return the longest wait in the queue, in milliseconds */
    public long getQueueTimeoutMillis()
    {
        return queueTimeoutMillis;
    }

    /**
     * @param queueTimeoutMillis the longest a request waits in the queue before it is rejected, in milliseconds, 1 or more
     * @return this
     */
    public ConcurrencyLimitSettings setQueueTimeoutMillis(long queueTimeoutMillis)
    {
        if (queueTimeoutMillis < 1)
            throw new IllegalArgumentException("queue timeout " + queueTimeoutMillis + " ms must be 1 or more (use policy reject for no wait)");
        this.queueTimeoutMillis = queueTimeoutMillis;
        return this;
    }

    /** @return the status of a rejection */
    public int getRejectStatus()
    {
        return rejectStatus;
    }

    /**
     * @param rejectStatus 503 (Service Unavailable) or 429 (Too Many Requests)
     * @return this
     */
    public ConcurrencyLimitSettings setRejectStatus(int rejectStatus)
    {
        if (rejectStatus != 503 && rejectStatus != 429)
            throw new IllegalArgumentException("reject status " + rejectStatus + " must be 503 or 429");
        this.rejectStatus = rejectStatus;
        return this;
    }

    /** @return the Retry-After value of a rejection, in seconds */
    public int getRetryAfterSeconds()
    {
        return retryAfterSeconds;
    }

    /**
     * @param retryAfterSeconds the {@code Retry-After} header of a rejection, in seconds, 0 or more
     * @return this
     */
    public ConcurrencyLimitSettings setRetryAfterSeconds(int retryAfterSeconds)
    {
        if (retryAfterSeconds < 0)
            throw new IllegalArgumentException("retry-after " + retryAfterSeconds + " s is negative: use 0 or more seconds");
        this.retryAfterSeconds = retryAfterSeconds;
        return this;
    }

    /** @return the adaptive mode */
    public AdaptiveMode getAdaptive()
    {
        return adaptive;
    }

    /**
     * @param adaptive NONE for a fixed limit, AIMD or GRADIENT to let the limit move between min and max
     * @return this
     */
    public ConcurrencyLimitSettings setAdaptive(AdaptiveMode adaptive)
    {
        this.adaptive = Objects.requireNonNull(adaptive, "adaptive");
        return this;
    }

    /** @return the lowest limit an adaptive limiter goes to */
    public int getMinLimit()
    {
        return minLimit;
    }

    /**
     * @param minLimit the lowest limit an adaptive limiter goes to, 1 or more (ignored when not adaptive)
     * @return this
     */
    public ConcurrencyLimitSettings setMinLimit(int minLimit)
    {
        if (minLimit < 1)
            throw new IllegalArgumentException("min limit " + minLimit + " must be 1 or more");
        this.minLimit = minLimit;
        return this;
    }

    /** @return the highest limit an adaptive limiter goes to */
    public int getMaxLimit()
    {
        return maxLimit;
    }

    /**
     * @param maxLimit the highest limit an adaptive limiter goes to, 1 or more (ignored when not adaptive)
     * @return this
     */
    public ConcurrencyLimitSettings setMaxLimit(int maxLimit)
    {
        if (maxLimit < 1)
            throw new IllegalArgumentException("max limit " + maxLimit + " must be 1 or more");
        this.maxLimit = maxLimit;
        return this;
    }

    /** @return the AIMD backoff ratio */
    public double getAimdBackoff()
    {
        return aimdBackoff;
    }

    /**
     * @param aimdBackoff the ratio an AIMD limit is multiplied by on a drop, greater than 0 and less than 1
     * @return this
     */
    public ConcurrencyLimitSettings setAimdBackoff(double aimdBackoff)
    {
        if (!(aimdBackoff > 0 && aimdBackoff < 1))
            throw new IllegalArgumentException("AIMD backoff " + aimdBackoff + " must be greater than 0 and less than 1, e.g. 0.9");
        this.aimdBackoff = aimdBackoff;
        return this;
    }

    /** @return the AIMD latency threshold, in milliseconds */
    public long getLatencyThresholdMillis()
    {
        return latencyThresholdMillis;
    }

    /**
     * @param latencyThresholdMillis an AIMD limiter treats a request slower than this, in milliseconds, as a drop; 1 or more
     * @return this
     */
    public ConcurrencyLimitSettings setLatencyThresholdMillis(long latencyThresholdMillis)
    {
        if (latencyThresholdMillis < 1)
            throw new IllegalArgumentException("latency threshold " + latencyThresholdMillis + " ms must be 1 or more");
        this.latencyThresholdMillis = latencyThresholdMillis;
        return this;
    }

    /** @return whether the limiter is registered as an MBean */
    public boolean isJmx()
    {
        return jmx;
    }

    /**
     * @param jmx true to register the limiter's MBean on the platform MBeanServer
     * @return this
     */
    public ConcurrencyLimitSettings setJmx(boolean jmx)
    {
        this.jmx = jmx;
        return this;
    }

    /**
     * Checks the settings against each other.
     * @throws IllegalArgumentException naming the settings that disagree
     */
    public void validate()
    {
        if (adaptive != AdaptiveMode.NONE)
        {
            if (minLimit > maxLimit)
                throw new IllegalArgumentException("min limit " + minLimit + " is above max limit " + maxLimit);
            if (limit < minLimit || limit > maxLimit)
                throw new IllegalArgumentException("limit " + limit + " must lie between min limit " + minLimit + " and max limit " + maxLimit + " when adaptive");
        }
    }

    /**
     * @param other other settings
     * @return true if both describe the same limiter (the filter-only settings, reject status and Retry-After,
     *     may differ between filters sharing a limiter)
     */
    boolean sameLimiter(ConcurrencyLimitSettings other)
    {
        return limit == other.limit && policy == other.policy && queueSize == other.queueSize &&
            queueTimeoutMillis == other.queueTimeoutMillis && adaptive == other.adaptive &&
            minLimit == other.minLimit && maxLimit == other.maxLimit && aimdBackoff == other.aimdBackoff &&
            latencyThresholdMillis == other.latencyThresholdMillis;
    }

    @Override
    public String toString()
    {
        return "limit=" + limit + " policy=" + policy.id() + " queue-size=" + queueSize + " queue-timeout-ms=" + queueTimeoutMillis +
            " reject-status=" + rejectStatus + " retry-after-seconds=" + retryAfterSeconds + " adaptive=" + adaptive.id() +
            " min-limit=" + minLimit + " max-limit=" + maxLimit;
    }
}
