package dev.nserv.filter;

/**
 * A latency gradient, after the idea of Netflix's concurrency-limits (Gradient2): the limit follows the ratio
 * of a long-term average latency to the latest one. While latency stays near its long-term level the limit
 * grows by about the square root of itself per sample (the headroom a queue needs); when latency rises above
 * {@code tolerance} times its long-term level the limit shrinks in proportion. The change is smoothed, and the
 * limit does not grow while less than half of it is in use. A failed request halves the target, without headroom.
 */
final class GradientLimit implements LimitAlgorithm
{
    private static final double TOLERANCE = 1.5;
    private static final double SMOOTHING = 0.2;
    private static final int LONG_WINDOW = 600;

    private double estimate;
    private double longLatency;

    GradientLimit(int initialLimit)
    {
        this.estimate = initialLimit;
    }

    @Override
    public int update(int limit, long latencyNanos, int inFlight, boolean dropped)
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
        if (inFlight * 2 < estimate)
            target = Math.min(target, estimate);
        estimate = estimate * (1 - SMOOTHING) + target * SMOOTHING;
        return (int)Math.round(estimate);
    }

    @Override
    public void limitSet(int limit)
    {
        estimate = limit;
    }

    /**
     * Keeps the internal estimate within the limiter's bounds, so it cannot run away beyond the clamp.
     * @param min the minimum limit
     * @param max the maximum limit
     */
    void clamp(int min, int max)
    {
        estimate = Math.max(min, Math.min(max, estimate));
    }
}
