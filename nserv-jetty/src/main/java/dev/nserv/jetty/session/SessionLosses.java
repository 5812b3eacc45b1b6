package dev.nserv.jetty.session;

import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts stored sessions that could not be read back -- typically an attribute whose class changed incompatibly
 * between two versions of a webapp -- and logs each one. Such a session is dropped and its client gets a new one;
 * the server keeps serving. The count is one of {@link PersistentSessions}' JMX attributes.
 */
public class SessionLosses
{
    private static final Logger LOG = LoggerFactory.getLogger(SessionLosses.class);

    private final LongAdder lost = new LongAdder();

    /**
     * Records one lost session.
     * @param id the session id
     * @param context the context path it belonged to
     * @param cause why it could not be read
     */
    public void lost(String id, String context, Throwable cause)
    {
        lost.increment();
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root)
            root = root.getCause();
        LOG.warn("session {} of context '{}' cannot be read and is dropped (its client gets a new session): {}: {} ({} lost since start)",
            id, context, root.getClass().getName(), root.getMessage(), lost.sum());
        LOG.debug("session {} unreadable", id, cause);
    }

    /**
     * @return the sessions lost since this object was created
     */
    public long getLost()
    {
        return lost.sum();
    }
}
