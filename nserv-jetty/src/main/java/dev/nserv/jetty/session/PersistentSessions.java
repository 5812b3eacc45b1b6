package dev.nserv.jetty.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.regex.Pattern;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.session.DatabaseAdaptor;
import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.NullSessionDataStore;
import org.eclipse.jetty.session.SessionCache;
import org.eclipse.jetty.session.SessionCacheFactory;
import org.eclipse.jetty.session.SessionDataStore;
import org.eclipse.jetty.session.SessionDataStoreFactory;
import org.eclipse.jetty.session.SessionManager;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Where the HTTP sessions of every webapp on a server are kept, so that they survive restarts: a server bean that
 * Jetty's session managers ask for their session cache and session store when each context starts.
 *
 * <p>Three stores: {@value #FILE} (the default) keeps one file per session under {@code <stateDir>/sessions} with a
 * {@link FileSessionStore}, which the old and the new generation of a restart can share while both serve;
 * a {@code jdbc:} URL keeps them in a database with a {@link JdbcSessionStore}, for several machines; {@value #MEMORY}
 * keeps them in memory only, as Jetty does by default (lost on restart). With a persistent store the
 * {@link SharedStoreSessionCache} holds a session only while requests use it: every request reads the store, so no
 * process answers from a stale copy and nothing stale is written back when a generation stops; and a change is
 * written before the response, before the client can send its next request elsewhere.</p>
 *
 * <p>When the server starts, before any context, the store is checked: an unwritable state directory or an
 * unreachable database fails the start with a message that names it (the database URL without its password).</p>
 *
 * <pre>{@code
 * server.addBean(new PersistentSessions("file", "/var/lib/nserv"));
 * // or, in jetty.xml:
 * // <Call name="addBean"><Arg><New class="dev.nserv.jetty.session.PersistentSessions">
 * //   <Arg>jdbc:postgresql://db:5432/app?user=app&amp;password=secret</Arg><Arg></Arg></New></Arg></Call>
 * }</pre>
 */
@ManagedObject("Where HTTP sessions are kept across restarts")
public class PersistentSessions implements SessionCacheFactory, SessionDataStoreFactory, LifeCycle.Listener
{
    /** Sessions in files under the state directory (the default). */
    public static final String FILE = "file";
    /** Sessions in memory only: lost on restart. */
    public static final String MEMORY = "memory";

    private static final Pattern PASSWORD = Pattern.compile("(?i)(password=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("(//[^/@:]*:)[^/@]*@");

    private final SessionLosses losses = new SessionLosses();
    private String store = FILE;
    private Path stateDir;
    private DatabaseAdaptor database;

    /**
     * Sessions in files under {@code stateDir}; call {@link #setStateDir} before the server starts.
     */
    public PersistentSessions()
    {
    }

    /**
     * @param store {@value #FILE}, {@value #MEMORY} or a {@code jdbc:} URL
     * @param stateDir the state directory, for {@value #FILE}; may be empty otherwise
     */
    public PersistentSessions(@Name("store") String store, @Name("stateDir") String stateDir)
    {
        setStore(store);
        if (stateDir != null && !stateDir.isBlank())
            setStateDir(stateDir);
    }

    /**
     * @return the store, a database URL without its password
     */
    @ManagedAttribute("file, memory, or the database URL (password hidden)")
    public String getStore()
    {
        return redact(store);
    }

    /**
     * @param store {@value #FILE}, {@value #MEMORY} or a {@code jdbc:} URL, e.g.
     *        {@code jdbc:postgresql://host:5432/db?user=u&password=p}
     * @throws IllegalArgumentException for anything else
     */
    public void setStore(String store)
    {
        checkStore(store);
        this.store = store.trim();
        this.database = null;
    }

    /**
     * @param store a store name or URL
     * @throws IllegalArgumentException naming the value and the choices
     */
    public static void checkStore(String store)
    {
        if (store == null || !(store.trim().equals(FILE) || store.trim().equals(MEMORY) || store.trim().startsWith("jdbc:")))
            throw new IllegalArgumentException("session store must be 'file', 'memory' or a jdbc: URL such as jdbc:postgresql://host:5432/db, was '" + redact(store) + "'");
    }

    /**
     * @return the state directory, or null if not set
     */
    @ManagedAttribute("The state directory; file sessions are in its sessions subdirectory")
    public String getStateDir()
    {
        return stateDir == null ? null : stateDir.toString();
    }

    /**
     * @param dir the state directory; the {@value #FILE} store keeps sessions in its {@code sessions} subdirectory,
     *        created when the server starts
     */
    public void setStateDir(String dir)
    {
        if (dir == null || dir.isBlank())
            throw new IllegalArgumentException("the state directory must be a path, was '" + dir + "'");
        this.stateDir = Path.of(dir).toAbsolutePath().normalize();
    }

    /**
     * @return the directory of the file store
     */
    public Path getSessionsDirectory()
    {
        return stateDir == null ? null : stateDir.resolve("sessions");
    }

    /**
     * @return sessions dropped since start because they could not be read (see {@link SessionLosses})
     */
    @ManagedAttribute("Stored sessions dropped since start because they could not be read (e.g. a changed class)")
    public long getSessionsLost()
    {
        return losses.getLost();
    }

    @Override
    public SessionCache getSessionCache(SessionManager manager)
    {
        return MEMORY.equals(store) ? new DefaultSessionCache(manager) : new SharedStoreSessionCache(manager);
    }

    @Override
    public SessionDataStore getSessionDataStore(SessionManager manager) throws Exception
    {
        if (MEMORY.equals(store))
            return new NullSessionDataStore();
        if (FILE.equals(store))
        {
            if (stateDir == null)
                throw new IllegalStateException("file sessions need a state directory: setStateDir");
            return new FileSessionStore(getSessionsDirectory(), losses);
        }
        JdbcSessionStore jdbc = new JdbcSessionStore(losses);
        jdbc.setDatabaseAdaptor(database());
        return jdbc;
    }

    private synchronized DatabaseAdaptor database() throws SQLException
    {
        if (database == null)
        {
            DatabaseAdaptor adaptor = new DatabaseAdaptor();
            adaptor.setDriverInfo(driver(), store);
            database = adaptor;
        }
        return database;
    }

    private Driver driver() throws SQLException
    {
        try
        {
            return DriverManager.getDriver(store);
        }
        catch (SQLException x)
        {
            throw new SQLException("no JDBC driver for " + redact(store) + " (nserv bundles PostgreSQL's only)", x);
        }
    }

    /**
     * Checks the store when the server starts, before any context starts.
     */
    @Override
    public void lifeCycleStarting(LifeCycle event)
    {
        if (event instanceof Server)
            check();
    }

    /**
     * Checks that the store can be used: the state directory can be written, or the database answers.
     * @throws IllegalStateException naming the directory or the URL (without password) and the fix
     */
    public void check()
    {
        if (FILE.equals(store))
            checkStateDir();
        else if (!MEMORY.equals(store))
            checkDatabase();
    }

    private void checkStateDir()
    {
        if (stateDir == null)
            throw new IllegalStateException("file sessions need a state directory: --state-dir DIR (or setStateDir)");
        Path dir = getSessionsDirectory();
        try
        {
            // A real write: permission bits do not tell (root may write anywhere but a read-only or special file
            // system, and ACLs or quotas differ).
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".probe-", ".tmp");
            Files.delete(probe);
        }
        catch (IOException | RuntimeException x)
        {
            String reason = x instanceof java.nio.file.FileSystemException fs && fs.getReason() != null
                ? fs.getFile() + ": " + fs.getReason()
                : x.toString();
            throw new IllegalStateException("the session state directory " + dir + " cannot be written (" + reason
                + "); give --state-dir a directory this user can write (or set the stateDir of PersistentSessions in jetty.xml), or use --session-store memory to keep sessions in memory only");
        }
    }

    private void checkDatabase()
    {
        try (Connection connection = driver().connect(store, new java.util.Properties()))
        {
            if (connection == null)
                throw new SQLException("the driver does not accept this URL");
        }
        catch (SQLException x)
        {
            throw new IllegalStateException("cannot reach the session database " + redact(store) + ": " + redact(String.valueOf(x.getMessage()))
                + " (start the database, or fix --session-store)", x);
        }
    }

    /**
     * @return the text with every password in a JDBC URL replaced by ***
     */
    static String redact(String text)
    {
        if (text == null)
            return null;
        return USER_INFO.matcher(PASSWORD.matcher(text).replaceAll("$1***")).replaceAll("$1***@");
    }

    @Override
    public String toString()
    {
        return String.format("%s@%x[store=%s,stateDir=%s]", getClass().getSimpleName(), hashCode(), getStore(), stateDir);
    }
}
