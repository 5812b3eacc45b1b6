package dev.nserv.jetty.supervise;

import java.time.Duration;

/**
 * The delay before the next start of a generation after one died or failed to start. A generation that ran for at
 * least {@code stableAfter} is replaced at once, and so is the first one in a row that dies sooner (a single kill
 * must not keep clients waiting). Each further early death in a row is a crash loop: the delay is {@code initial},
 * then doubles up to {@code max}. A stable run resets it.
 *
 * <pre>{@code
 * Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofSeconds(10));
 * Duration wait = backoff.next(uptime);      // ZERO after a stable run or a first early death; then 0.5 s, 1 s, 2 s ... 30 s
 * }</pre>
 */
public final class Backoff
{
    private final Duration initial;
    private final Duration max;
    private final Duration stableAfter;
    private Duration current = Duration.ZERO;
    private int earlyDeaths;

    /**
     * @param initial the first delay in a crash loop, more than 0
     * @param max the longest delay, at least {@code initial}
     * @param stableAfter a run this long or longer is stable (no delay, reset)
     */
    public Backoff(Duration initial, Duration max, Duration stableAfter)
    {
        if (initial.isNegative() || initial.isZero())
            throw new IllegalArgumentException("initial backoff must be more than 0, was " + initial);
        if (max.compareTo(initial) < 0)
            throw new IllegalArgumentException("max backoff " + max + " is less than the initial " + initial);
        if (stableAfter.isNegative())
            throw new IllegalArgumentException("stable run must not be negative, was " + stableAfter);
        this.initial = initial;
        this.max = max;
        this.stableAfter = stableAfter;
    }

    /**
     * @return nserv's defaults: 0.5 s doubling to 30 s for generations that die within 10 s of their start
     */
    public static Backoff standard()
    {
        return new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    /**
     * Records an ended generation and returns the delay before the next start.
     * @param uptime how long it ran (for a failed start: how long the attempt took)
     * @return the delay, {@link Duration#ZERO} after a stable run
     */
    public synchronized Duration next(Duration uptime)
    {
        if (uptime.compareTo(stableAfter) >= 0)
        {
            earlyDeaths = 0;
            current = Duration.ZERO;
            return current;
        }
        earlyDeaths++;
        if (earlyDeaths == 1)
            current = Duration.ZERO;
        else
            current = current.isZero() ? initial : min(current.multipliedBy(2), max);
        return current;
    }

    /**
     * @return whether the last ended generation was part of a crash loop
     */
    public synchronized boolean inLoop()
    {
        return earlyDeaths > 1;
    }

    private static Duration min(Duration a, Duration b)
    {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
