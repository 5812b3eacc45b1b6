package dev.nserv.jetty.warmup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Decides when a warm-up's per-request latency has settled, so that it can stop before its count or time bound: the
 * latencies are cut into windows of a fixed number of requests, and the warm-up has settled once {@link #PATIENCE}
 * windows in a row came within {@link #TOLERANCE} of the best window's median without beating it markedly. A window
 * that beats the best by more than the tolerance (the JIT is still at work) or is worse than the tolerance (a GC, the
 * old generation's load) starts the count again.
 * <p>
 * Measured on the demo WAR: the median falls from a few ms in the first window to about 0.2-0.4 ms within 100-200
 * requests and stays there; 500 requests spent half their time after it had settled.
 */
final class SettleRule
{
    /** Requests per window. */
    static final int WINDOW = 25;
    /** Windows in a row that must not move the best median for the latency to count as settled. */
    static final int PATIENCE = 3;
    /** How far from the best median a window's median may be and still count as settled. */
    static final double TOLERANCE = 1.2;

    private final long[] window = new long[WINDOW];
    private final List<Long> medians = new ArrayList<>();
    private int filled;
    private long best = Long.MAX_VALUE;
    private int calm;

    /**
     * Adds one request's latency.
     * @param nanos the request's latency
     * @return whether the latency has settled (from now on every call answers true)
     */
    synchronized boolean add(long nanos)
    {
        window[filled++] = nanos;
        if (filled < WINDOW)
            return calm >= PATIENCE;
        filled = 0;
        long[] sorted = window.clone();
        Arrays.sort(sorted);
        long median = sorted[WINDOW / 2];
        medians.add(median);
        if (calm >= PATIENCE)
            return true; // keeps recording the curve for the debug log
        if (median * TOLERANCE < best || median > best * TOLERANCE)
            calm = 0;
        else
            calm++;
        best = Math.min(best, median);
        return calm >= PATIENCE;
    }

    /**
     * @return the medians of the full windows so far, in ms, e.g. {@code 2.41 0.83 0.40 0.38}
     */
    synchronized String curve()
    {
        StringBuilder text = new StringBuilder();
        for (long median : medians)
            text.append(text.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", median / 1e6));
        return text.toString();
    }
}
