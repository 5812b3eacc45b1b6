package dev.nserv.jetty.session;

import java.sql.SQLException;

import org.eclipse.jetty.session.JDBCSessionDataStore;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.UnreadableSessionDataException;

/**
 * Jetty's {@link JDBCSessionDataStore} (one row per session, read on every load, last writer wins) with two
 * changes: a session that no longer deserializes is a counted, logged loss that the client does not see (it gets a
 * new session) rather than an error per request, and a table that another server created at the same moment does not
 * fail the start.
 */
public class JdbcSessionStore extends JDBCSessionDataStore
{
    private final SessionLosses losses;

    /**
     * @param losses counts sessions that could not be read
     */
    public JdbcSessionStore(SessionLosses losses)
    {
        this.losses = losses;
    }

    @Override
    public SessionData doLoad(String id) throws Exception
    {
        try
        {
            return super.doLoad(id);
        }
        catch (UnreadableSessionDataException x)
        {
            // Deleted so that the loss is counted once.
            delete(id);
            losses.lost(id, _context.getCanonicalContextPath(), x);
            return null;
        }
    }

    @Override
    public void initialize() throws Exception
    {
        try
        {
            super.initialize();
        }
        catch (SQLException x)
        {
            // Two servers that start together both find no table and both create it; the second one's CREATE
            // fails. Looking again finds the table.
            _initialized = false;
            super.initialize();
        }
    }
}
