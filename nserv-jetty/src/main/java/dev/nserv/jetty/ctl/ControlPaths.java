package dev.nserv.jetty.ctl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Where the control socket lives by default, so that {@code ctl} finds a server started without flags:
 * {@code ${XDG_RUNTIME_DIR or java.io.tmpdir}/nserv-<user>/nserv-<port>.sock}, with {@code <port>} the local port
 * of the server's first connector. The directory is private to the user (0700) and the socket file is 0600, so
 * only the same OS user can talk to the server.
 */
public final class ControlPaths
{
    /** Linux's limit for a Unix domain socket path ({@code sun_path}), less the terminating NUL. */
    static final int MAX_SOCKET_PATH = 107;

    private ControlPaths()
    {
    }

    /**
     * @return the default private directory for control sockets (not created)
     */
    public static Path defaultDirectory()
    {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        Path base = runtime != null && !runtime.isBlank() && Files.isDirectory(Path.of(runtime)) ? Path.of(runtime) : Path.of(System.getProperty("java.io.tmpdir"));
        return base.resolve("nserv-" + System.getProperty("user.name")).toAbsolutePath();
    }

    /**
     * @param directory the control directory
     * @param port the local port of the first connector
     * @return the socket path for that port
     */
    public static Path defaultSocket(Path directory, int port)
    {
        return directory.resolve("nserv-" + port + ".sock");
    }

    /**
     * Creates the directory with mode 0700 if absent; otherwise checks it belongs to this user and no one else can
     * enter it.
     * @param directory the directory
     * @throws IOException naming the directory and the fix when it is not private
     */
    public static void ensurePrivateDirectory(Path directory) throws IOException
    {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS))
        {
            try
            {
                Files.createDirectories(directory.getParent());
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            catch (java.nio.file.FileAlreadyExistsException x)
            {
                // created concurrently (e.g. by a successor); checked below
            }
        }
        PosixFileAttributes attributes = Files.readAttributes(directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory())
            throw new IOException("control directory " + directory + " is not a directory (a symbolic link?); remove it or pass --control-socket");
        String me = System.getProperty("user.name");
        if (!attributes.owner().getName().equals(me))
            throw new IOException("control directory " + directory + " belongs to " + attributes.owner().getName() + ", not " + me + "; remove it or pass --control-socket");
        Set<PosixFilePermission> permissions = attributes.permissions();
        for (PosixFilePermission p : permissions)
        {
            if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))
                throw new IOException("control directory " + directory + " is accessible by other users (mode " + PosixFilePermissions.toString(permissions) +
                    "); chmod 700 it or pass --control-socket");
        }
    }

    /**
     * Checks the directory of a chosen control socket ({@code --control-socket}). The socket file is 0600, so no
     * other user can connect; what another user can do in a shared directory is replace the file:
     * <ul>
     * <li>writable by the group or others and <b>not sticky</b>: anyone may rename or remove the socket and bind
     * their own under its name, to which {@code ctl} would then send commands: refused;</li>
     * <li>writable by others but <b>sticky</b> (like {@code /tmp}, mode 1777): others cannot remove or rename this
     * user's socket, but can take its name while no server holds it (before the start, after a stop) so that a
     * {@code ctl} talks to them: allowed, with a warning.</li>
     * </ul>
     * @param socket the socket path
     * @return a warning to log, or {@code null} when the directory is private enough
     * @throws IOException naming the directory and the fix when the directory is unsafe
     */
    public static String checkSocketDirectory(Path socket) throws IOException
    {
        Path directory = socket.toAbsolutePath().getParent();
        if (directory == null)
            return null;
        int mode;
        try
        {
            mode = (Integer)Files.getAttribute(directory, "unix:mode");
        }
        catch (UnsupportedOperationException | IllegalArgumentException x)
        {
            return null;
        }
        boolean othersWrite = (mode & 0002) != 0;
        boolean groupWrite = (mode & 0020) != 0;
        boolean sticky = (mode & 01000) != 0;
        String octal = String.format("%04o", mode & 07777);
        if ((othersWrite || groupWrite) && !sticky)
            throw new IOException("control socket directory " + directory + " (mode " + octal + ") is writable by " + (othersWrite ? "every user" : "its group") +
                " and not sticky, so another user could replace the socket; use a private directory (mkdir -m 700 DIR) or chmod o-w,g-w " + directory);
        if (othersWrite)
            return "control socket directory " + directory + " (mode " + octal + ") is writable by every user: while no server holds " + socket.getFileName() +
                " another user can take that name and answer ctl; prefer a private directory (mkdir -m 700 DIR, or leave out --control-socket for " + defaultDirectory() + ")";
        return null;
    }

    /**
     * @param socket a socket path
     * @throws IOException when the path is too long for a Unix domain socket
     */
    static void checkLength(Path socket) throws IOException
    {
        if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH)
            throw new IOException("control socket path " + socket + " is longer than " + MAX_SOCKET_PATH + " bytes, the limit for Unix sockets; choose a shorter --control-socket");
    }
}
