package dev.nserv.filter;

/**
 * How the limit of a {@link Limiter} moves, and the range it may take. Each algorithm is built with its own
 * bounds and checks them itself: the limiter neither knows the range nor clamps, it stores whatever
 * {@link #update} answers. A limiter serialises the calls to {@link #update} and {@link #limitSet}, so
 * algorithms keep plain fields; they run once per finished request and must be quick.
 *
 * <p>{@link FixedLimit} never moves; {@link AimdLimit} and {@link GradientLimit} adapt to failures and
 * latency. {@link AdaptiveMode#create} picks one from the settings.</p>
 */
abstract class LimitAlgorithm
{
    private final int minLimit;
    private final int maxLimit;

    /**
     * @param minLimit the lowest limit, 0 or more
     * @param maxLimit the highest limit, at least {@code minLimit}
     */
    LimitAlgorithm(int minLimit, int maxLimit)
    {
        if (minLimit < 0)
            throw new IllegalArgumentException("min limit " + minLimit + " is negative: use 0 or more");
        if (maxLimit < minLimit)
            throw new IllegalArgumentException("min limit " + minLimit + " is above max limit " + maxLimit + ": raise the max limit or lower the min limit");
        this.minLimit = minLimit;
        this.maxLimit = maxLimit;
    }

    /** For the adaptive algorithms, whose limit must never reach 0 (it could not grow back from there). */
    static int adaptiveMin(String algorithm, int minLimit)
    {
        if (minLimit < 1)
            throw new IllegalArgumentException(algorithm + " min limit " + minLimit + " must be 1 or more: an adaptive limit cannot grow back from 0");
        return minLimit;
    }

    /** @return the lowest limit this algorithm gives or accepts */
    final int getMinLimit()
    {
        return minLimit;
    }

    /** @return the highest limit this algorithm gives or accepts */
    final int getMaxLimit()
    {
        return maxLimit;
    }

    /** @return true if the limit moves by itself: the limiter then times every permit and calls {@link #update} */
    abstract boolean isAdaptive();

    /**
     * Checks a limit given from outside (settings, JMX, code).
     * @throws IllegalArgumentException naming the limit and the allowed range
     */
    final void check(int limit)
    {
        if (limit < 0)
            throw new IllegalArgumentException("limit " + limit + " is negative: use 0 or more (0 rejects every request)");
        if (limit < minLimit || limit > maxLimit)
            throw new IllegalArgumentException("limit " + limit + " must lie between min limit " + minLimit + " and max limit " + maxLimit + " (adaptive)");
    }

    /**
     * Told when the limit is set from outside, after {@link #check}, so that a smoothed estimate restarts from it.
     */
    void limitSet(int limit)
    {
        // nothing to restart by default
    }

    /**
     * Computes the limit after one finished request (not called for ignored ones).
     * @param limit the current limit
     * @param latencyNanos how long the permit was held, in nanoseconds
     * @param inFlight permits held when this one was released, this one included
     * @param dropped true if the request failed: an exception from the chain, an asynchronous timeout or error
     * @return the next limit, within [min limit, max limit]
     */
    int update(int limit, long latencyNanos, int inFlight, boolean dropped)
    {
        return limit;
    }

    /** @return {@code value} moved into [min limit, max limit] */
    final int clamp(long value)
    {
        return (int)Math.max(minLimit, Math.min(maxLimit, value));
    }
}
