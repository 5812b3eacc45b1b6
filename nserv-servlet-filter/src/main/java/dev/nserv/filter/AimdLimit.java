package dev.nserv.filter;

import java.util.concurrent.TimeUnit;

/**
 * Additive increase, multiplicative decrease. A request that failed, or that held its permit longer than the
 * latency threshold, multiplies the limit by the backoff ratio; a fast, successful request while at least half
 * of the limit is in use adds one. Growing only when the limit is actually used keeps an idle server from
 * inflating its limit to the maximum. The limit stays within [min, max], checked here.
 */
final class AimdLimit extends LimitAlgorithm
{
    private final double backoff;
    private final long thresholdNanos;

    /**
     * @param minLimit the lowest limit, 1 or more
     * @param maxLimit the highest limit, at least {@code minLimit}
     * @param backoff ratio the limit is multiplied by on a drop, greater than 0 and less than 1
     * @param latencyThresholdMillis a request slower than this, in milliseconds, counts as a drop
     */
    AimdLimit(int minLimit, int maxLimit, double backoff, long latencyThresholdMillis)
    {
        super(adaptiveMin("AIMD", minLimit), maxLimit);
        if (!(backoff > 0 && backoff < 1))
            throw new IllegalArgumentException("AIMD backoff " + backoff + " must be greater than 0 and less than 1");
        if (latencyThresholdMillis <= 0)
            throw new IllegalArgumentException("AIMD latency threshold " + latencyThresholdMillis + " ms must be positive");
        this.backoff = backoff;
        this.thresholdNanos = TimeUnit.MILLISECONDS.toNanos(latencyThresholdMillis);
    }

    @Override
    boolean isAdaptive()
    {
        return true;
    }

    @Override
    int update(int limit, long latencyNanos, int inFlight, boolean dropped)
    {
        if (dropped || latencyNanos > thresholdNanos)
            return clamp(Math.min(limit - 1, (int)(limit * backoff)));
        if ((long)inFlight * 2 >= limit)
            return clamp(limit + 1L);
        return clamp(limit);
    }
}
