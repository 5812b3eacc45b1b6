package dev.nserv.jetty.session;

import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionManager;
import org.eclipse.jetty.util.thread.AutoLock;

/**
 * A session cache for a store that other processes write at the same time: it holds a session only while requests
 * use it, and it writes a session's changes before the response, never after it.
 *
 * <p>Jetty's {@link DefaultSessionCache} writes attribute changes when the response is committed, but it writes again
 * when the request ends, after the response has gone out, because ending a request moves the session's expiry. That
 * late write carries the whole session as this process saw it: measured, when the client's next request went to the
 * other generation and saved a newer session in between, the late write put the old one back and a change was lost.
 * Here the commit writes any change, attributes or access times, and the end of the request writes only what changed
 * after the commit (an attribute set while the response streams, or everything when nothing was committed). The
 * expiry that is then not rewritten is early by the length of the request.</p>
 *
 * <pre>{@code
 * SharedStoreSessionCache cache = new SharedStoreSessionCache(sessionManager);
 * cache.setSessionDataStore(new FileSessionStore(dir, losses));
 * }</pre>
 */
public class SharedStoreSessionCache extends DefaultSessionCache
{
    /**
     * @param manager the context's session manager
     */
    public SharedStoreSessionCache(SessionManager manager)
    {
        super(manager);
        setEvictionPolicy(EVICT_ON_SESSION_EXIT);
        setSaveOnCreate(true);
        setFlushOnResponseCommit(true);
        setRemoveUnloadableSessions(true);
    }

    @Override
    @SuppressWarnings("try") // the resource is the session's lock, held for the block
    public void commit(ManagedSession session) throws Exception
    {
        if (session == null)
            return;
        try (AutoLock lock = session.lock())
        {
            SessionData data = session.getSessionData();
            if (session.isValid() && (data.isDirty() || data.isMetaDataDirty()))
            {
                boolean passivating = _sessionDataStore.isPassivating();
                if (passivating)
                    session.onSessionPassivation();
                try
                {
                    _sessionDataStore.store(session.getId(), data);
                }
                finally
                {
                    if (passivating)
                        session.onSessionActivation();
                }
            }
        }
    }

    /**
     * Jetty's lookup finds the cached session and only then takes its lock; if the last request of this process that
     * used it ends in between, {@link #release} takes it out of the cache and marks it non-resident, and the lookup
     * answers "no session": the client then got a new, empty session under its old id (measured: 4 resets in 14,862
     * requests of clients that open a new connection per request, SessionRestartIT). The session is in the store by
     * then, so the lookup is simply made again.
     */
    @Override
    protected ManagedSession getAndEnter(String id, boolean enter) throws Exception
    {
        for (int attempt = 1; ; attempt++)
        {
            ManagedSession session = super.getAndEnter(id, enter);
            if (session != null || attempt == 3 || !_sessionDataStore.exists(id))
                return session;
        }
    }

    @Override
    @SuppressWarnings("try") // the resource is the session's lock, held for the block
    public void release(ManagedSession session) throws Exception
    {
        if (session == null || session.getId() == null)
            throw new IllegalArgumentException(session == null ? "null session" : "null session id");
        String id = session.getId();
        try (AutoLock lock = session.lock())
        {
            if (session.getSessionManager() == null)
                throw new IllegalStateException("session " + id + " is not managed");
            if (session.isInvalidOrInvalidating())
                return;
            SessionData data = session.getSessionData();
            // Decided before session.release() moves the expiry, which would make every session look changed.
            boolean changedSinceSaved = data.isDirty() || data.isMetaDataDirty() || data.getLastSaved() <= 0;
            session.release();
            if (session.getRequests() > 0)
            {
                // another request of this process still uses it: it writes when it ends
                session.setResident(true);
                doPutIfAbsent(id, session);
                return;
            }
            boolean passivating = _sessionDataStore.isPassivating();
            if (passivating)
                session.onSessionPassivation();
            try
            {
                if (changedSinceSaved)
                    _sessionDataStore.store(id, data);
            }
            finally
            {
                // Out of the cache: the next request, here or in another process, reads the store.
                doDelete(id);
                session.setResident(false);
            }
        }
    }
}
