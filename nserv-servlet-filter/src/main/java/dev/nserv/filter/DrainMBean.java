package dev.nserv.filter;

/**
 * The JMX view of a webapp's {@link DrainState}, registered on the platform MBeanServer as
 * {@code dev.nserv.filter:type=Drain,name=<drain-name>,instance=<n>} (default drain-name: the context path
 * without its leading slash, {@code ROOT} for the root context). Two live copies of one webapp (a hot redeploy,
 * a parallel deployment) have one MBean each, told apart by {@code instance}; each drains only its own copy.
 */
public interface DrainMBean
{
    /** @return true while draining: started here, by the webapp's destruction, or by the server's context attribute */
    boolean isDraining();

    /** @return what started the drain, or an empty string */
    String getDrainReason();

    /** @return requests through the drain filter that have not ended yet */
    int getInFlight();

    /** @return the longest the webapp's destruction waits for requests in flight, in milliseconds */
    long getDrainTimeoutMillis();

    /** Starts draining: responses get {@code Connection: close}, the readiness path answers 503. */
    void startDrain();

    /** Stops a drain started by {@link #startDrain()} (one started by the server or the webapp's destruction stays). */
    void cancelDrain();
}
