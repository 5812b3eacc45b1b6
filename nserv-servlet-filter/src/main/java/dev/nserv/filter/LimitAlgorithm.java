package dev.nserv.filter;

/**
 * Computes a new concurrency limit from one finished request. A {@link Limiter} calls it under its lock, once
 * per released permit, and clamps the answer between its minimum and maximum; implementations therefore need
 * no synchronisation of their own but must be quick.
 */
interface LimitAlgorithm
{
    /**
     * @param limit the current limit
     * @param latencyNanos how long the permit was held, in nanoseconds
     * @param inFlight permits held when this one was released, this one included
     * @param dropped true if the request failed: an exception from the chain, an asynchronous timeout or error
     * @return the limit to use from now on (clamped by the caller)
     */
    int update(int limit, long latencyNanos, int inFlight, boolean dropped);

    /**
     * Told when the limit is set from outside (JMX or code), so a smoothed estimate restarts from it.
     * @param limit the new limit
     */
    void limitSet(int limit);
}
