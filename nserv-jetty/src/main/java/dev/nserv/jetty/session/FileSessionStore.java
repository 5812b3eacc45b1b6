package dev.nserv.jetty.session;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import org.eclipse.jetty.session.ObjectStreamSessionDataStore;
import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.UnwriteableSessionDataException;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session store of one file per session, that several processes may share at once -- the old and the new
 * generation of a restart both serve for a while.
 *
 * <p>Unlike Jetty's {@code FileSessionDataStore}, which indexes its directory once at start and renames a session's
 * file on every save (the name carries the expiry), the file here is named by the session id alone, so any process
 * finds the latest copy by name on every load. A save writes a temporary file and renames it over the old one: a
 * reader sees either the old or the new session, never a torn one, and the last writer wins. Each context has its
 * own subdirectory. Pair it with a session cache that does not keep sessions between requests
 * ({@code EVICT_ON_SESSION_EXIT}), else a process answers from its own stale copy; {@link PersistentSessions} does.</p>
 *
 * <p>A session whose attributes no longer deserialize (a class changed between versions) is a counted loss: it is
 * logged, its file deleted, and the client gets a new session.</p>
 *
 * <pre>{@code
 * FileSessionStore store = new FileSessionStore(Path.of("/var/lib/nserv/sessions"), new SessionLosses());
 * }</pre>
 */
@ManagedObject("One file per session, named by the session id, shared safely by several processes")
public class FileSessionStore extends ObjectStreamSessionDataStore
{
    private static final Logger LOG = LoggerFactory.getLogger(FileSessionStore.class);
    /** "nsv1": the file format, so that a future format can tell old files apart. */
    private static final int MAGIC = 0x6e737631;
    /** Session ids come from clients' cookies: only these characters may reach the file system. */
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,199}");
    private static final String TEMP_SUFFIX = ".tmp";

    private final Path root;
    private final SessionLosses losses;
    private Path contextDir;

    /**
     * @param root the directory that holds one subdirectory per context; created on the first save
     * @param losses counts sessions that could not be read
     */
    public FileSessionStore(Path root, SessionLosses losses)
    {
        this.root = root.toAbsolutePath();
        this.losses = losses;
    }

    @Override
    public void initialize(SessionContext context) throws Exception
    {
        super.initialize(context);
        String path = context.getCanonicalContextPath();
        contextDir = root.resolve(safeName(path.isEmpty() ? "ROOT" : path) + "@" + safeName(context.getVhost()));
    }

    /**
     * @return this context's directory
     */
    @ManagedAttribute("The directory of this context's session files")
    public String getDirectory()
    {
        return String.valueOf(contextDir);
    }

    @Override
    public boolean isPassivating()
    {
        return true;
    }

    @Override
    public SessionData doLoad(String id) throws Exception
    {
        Path file = file(id);
        if (file == null)
            return null;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file)))
        {
            return read(id, in);
        }
        catch (NoSuchFileException x)
        {
            return null;
        }
        catch (Exception x)
        {
            // Deleted so that the loss is counted once; the client's next request creates a new session.
            Files.deleteIfExists(file);
            losses.lost(id, _context.getCanonicalContextPath(), x);
            return null;
        }
    }

    private SessionData read(String id, InputStream in) throws Exception
    {
        DataInputStream data = new DataInputStream(in);
        if (data.readInt() != MAGIC)
            throw new IOException("not a session file of this format");
        long expiry = data.readLong();
        long created = data.readLong();
        long accessed = data.readLong();
        long lastAccessed = data.readLong();
        long cookieSet = data.readLong();
        long maxInactiveMs = data.readLong();
        long lastSaved = data.readLong();
        String lastNode = data.readUTF();
        SessionData session = newSessionData(id, created, accessed, lastAccessed, maxInactiveMs);
        session.setExpiry(expiry);
        session.setCookieSet(cookieSet);
        session.setLastNode(lastNode);
        session.setLastSaved(lastSaved);
        deserializeAttributes(session, in);
        return session;
    }

    @Override
    public void doStore(String id, SessionData session, long lastSaveTime) throws Exception
    {
        Path file = file(id);
        if (file == null)
            throw new UnwriteableSessionDataException(id, _context, new IllegalArgumentException("session id '" + id + "' is not a safe file name"));
        Path temp = contextDir.resolve("." + id + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + TEMP_SUFFIX);
        try
        {
            try
            {
                write(temp, session);
            }
            catch (NoSuchFileException x)
            {
                Files.createDirectories(contextDir);
                write(temp, session);
            }
            // One rename: a reader in any process sees the old file or the new one, never a partial write.
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (Exception x)
        {
            try
            {
                Files.deleteIfExists(temp);
            }
            catch (IOException suppressed)
            {
                x.addSuppressed(suppressed);
            }
            throw new UnwriteableSessionDataException(id, _context, x);
        }
    }

    private void write(Path temp, SessionData session) throws Exception
    {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)))
        {
            DataOutputStream data = new DataOutputStream(out);
            data.writeInt(MAGIC);
            data.writeLong(session.getExpiry());
            data.writeLong(session.getCreated());
            data.writeLong(session.getAccessed());
            data.writeLong(session.getLastAccessed());
            data.writeLong(session.getCookieSet());
            data.writeLong(session.getMaxInactiveMs());
            data.writeLong(session.getLastSaved());
            data.writeUTF(session.getLastNode() == null ? "" : session.getLastNode());
            data.flush();
            serializeAttributes(session, out);
        }
    }

    @Override
    public boolean delete(String id) throws Exception
    {
        Path file = file(id);
        return file != null && Files.deleteIfExists(file);
    }

    @Override
    public boolean doExists(String id) throws Exception
    {
        Path file = file(id);
        if (file == null)
            return false;
        long expiry = expiry(file);
        return expiry == Long.MIN_VALUE ? false : expiry <= 0 || expiry > System.currentTimeMillis();
    }

    @Override
    public Set<String> doCheckExpired(Set<String> candidates, long time)
    {
        Set<String> expired = new HashSet<>();
        for (String id : candidates)
        {
            Path file = file(id);
            long expiry = file == null ? Long.MIN_VALUE : expiry(file);
            // a missing file is a session that another process invalidated or expired
            if (expiry == Long.MIN_VALUE || (expiry > 0 && expiry <= time))
                expired.add(id);
        }
        return expired;
    }

    @Override
    public Set<String> doGetExpired(long before)
    {
        Set<String> expired = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(contextDir))
        {
            for (Path file : files)
            {
                String name = file.getFileName().toString();
                if (!SAFE_ID.matcher(name).matches())
                    continue;
                long expiry = expiry(file);
                if (expiry > 0 && expiry <= before)
                    expired.add(name);
            }
        }
        catch (NoSuchFileException x)
        {
            // nothing saved yet
        }
        catch (IOException x)
        {
            LOG.warn("cannot list the session files in {}", contextDir, x);
        }
        return expired;
    }

    @Override
    public void doCleanOrphans(long time)
    {
        // Other contexts' sessions that expired long ago (no context manages them any more), and temporary
        // files left by a process that died while saving.
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory))
        {
            for (Path dir : dirs)
            {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(dir))
                {
                    for (Path file : files)
                    {
                        String name = file.getFileName().toString();
                        boolean stale = name.endsWith(TEMP_SUFFIX)
                            ? Files.getLastModifiedTime(file).toMillis() <= time
                            : SAFE_ID.matcher(name).matches() && expiry(file) > 0 && expiry(file) <= time;
                        if (stale)
                            Files.deleteIfExists(file);
                    }
                }
            }
        }
        catch (NoSuchFileException x)
        {
            // nothing saved yet
        }
        catch (IOException x)
        {
            LOG.warn("cannot sweep old session files in {}", root, x);
        }
    }

    /**
     * @return the session's expiry from the file's header, 0 for never, or Long.MIN_VALUE if there is no such file
     *         or it cannot be read (an unreadable file is left for {@link #doLoad} to count and delete)
     */
    private static long expiry(Path file)
    {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file)))
        {
            if (in.readInt() != MAGIC)
                return Long.MIN_VALUE;
            return in.readLong();
        }
        catch (NoSuchFileException | EOFException x)
        {
            return Long.MIN_VALUE;
        }
        catch (IOException x)
        {
            LOG.debug("cannot read the header of {}", file, x);
            return Long.MIN_VALUE;
        }
    }

    private Path file(String id)
    {
        if (id == null || !SAFE_ID.matcher(id).matches())
            return null;
        return contextDir.resolve(id);
    }

    private static String safeName(String text)
    {
        StringBuilder name = new StringBuilder(text.length());
        for (char c : text.toCharArray())
            name.append(Character.isLetterOrDigit(c) || c == '.' || c == '-' ? c : '_');
        return name.toString();
    }

    @Override
    public String toString()
    {
        return String.format("%s[dir=%s]", super.toString(), contextDir);
    }
}
