package dev.nserv.filter;

/**
 * A latency gradient, after the idea of Netflix's concurrency-limits (Gradient2): the limit follows the ratio
 * of a long-term average latency to the latest one. While latency stays near its long-term level the limit
 * grows by about the square root of itself per sample (the headroom a queue needs); when latency rises above
 * {@code tolerance} times its long-term level the limit shrinks in proportion. The change is smoothed, and the
 * limit does not grow while less than half of it is in use. A failed request halves the target, without headroom.
 * The smoothed estimate itself is kept within [min, max], so it cannot run away beyond the limits it gives.
 */
final class GradientLimit extends LimitAlgorithm
{
    private static final double TOLERANCE = 1.5;
    private static final double SMOOTHING = 0.2;
    private static final int LONG_WINDOW = 600;

    private double estimate;
    private double longLatency;

    /**
     * @param initialLimit the limit to start from, within the bounds
     * @param minLimit the lowest limit, 1 or more
     * @param maxLimit the highest limit, at least {@code minLimit}
     */
    GradientLimit(int initialLimit, int minLimit, int maxLimit)
    {
        super(adaptiveMin("gradient", minLimit), maxLimit);
        check(initialLimit);
        this.estimate = initialLimit;
    }

    @Override
    boolean isAdaptive()
    {
        return true;
    }

    @Override
    int update(int limit, long latencyNanos, int inFlight, boolean dropped)
    {
        double sample = Math.max(1, latencyNanos);
        if (longLatency == 0)
            longLatency = sample;
        else
            longLatency += (sample - longLatency) / LONG_WINDOW;
        double target;
        if (dropped)
        {
            // a failure says "too much" as loudly as the slowest latency the gradient acts on, without headroom
            target = estimate * 0.5;
        }
        else
        {
            double gradient = Math.max(0.5, Math.min(1.0, TOLERANCE * longLatency / sample));
            target = estimate * gradient + Math.sqrt(estimate);
        }
        if (inFlight * 2.0 < estimate)
            target = Math.min(target, estimate);
        estimate = Math.max(getMinLimit(), Math.min(getMaxLimit(), estimate * (1 - SMOOTHING) + target * SMOOTHING));
        return clamp(Math.round(estimate));
    }

    @Override
    void limitSet(int limit)
    {
        estimate = limit;
    }
}
