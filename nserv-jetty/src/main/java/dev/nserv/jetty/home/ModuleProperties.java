package dev.nserv.jetty.home;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;

import dev.nserv.jetty.OverloadPolicy;
import dev.nserv.jetty.session.PersistentSessions;

/**
 * Reads the {@code nserv.*} properties of the jetty-home module from their text, for {@code etc/nserv.xml}:
 * <pre>{@code
 * <Set name="maxConnections">
 *   <Call class="dev.nserv.jetty.home.ModuleProperties" name="count">
 *     <Arg>nserv.maxConnections</Arg>
 *     <Arg><Property name="nserv.maxConnections" default="10000"/></Arg>
 *     <Arg type="int">1</Arg>
 *   </Call>
 * </Set>
 * }</pre>
 * A bad value ends the JVM, while start.jar is still reading the XML files and before anything binds or serves,
 * with one line on stderr that names the property, its value and the fix ({@code nserv: error: ...}) and exit code
 * {@value #EXIT_BAD_PROPERTY}, the bundled launcher's code for a bad flag. Jetty's own report of a failing XML file
 * is a stack trace of several dozen lines in which the cause is hard to find.
 */
public final class ModuleProperties
{
    /** The exit code for a bad {@code nserv.*} property. */
    public static final int EXIT_BAD_PROPERTY = 2;

    private ModuleProperties()
    {
    }

    /**
     * @param name the property's name, for the error
     * @param value its text: a whole number
     * @param min the least value allowed
     * @return the number
     */
    public static int count(String name, String value, int min)
    {
        return orExit(() -> parseCount(name, value, min));
    }

    /**
     * @param name the property's name, for the error
     * @param value its text: a whole number of milliseconds
     * @param min the least value allowed, in ms
     * @return the milliseconds
     */
    public static long millis(String name, String value, long min)
    {
        return orExit(() -> parseMillis(name, value, min, false));
    }

    /**
     * @param name the property's name, for the error
     * @param value its text: a whole number of milliseconds, or -1 for the default
     * @param min the least value allowed, in ms, other than -1
     * @return the milliseconds, or -1
     */
    public static long millisOrDefault(String name, String value, long min)
    {
        return orExit(() -> parseMillis(name, value, min, true));
    }

    /**
     * @param name the property's name, for the error
     * @param value {@code WAIT} or {@code SHED}, in any case
     * @return the policy's name
     */
    public static String overloadPolicy(String name, String value)
    {
        return orExit(() -> parseOverloadPolicy(name, value));
    }

    /**
     * @param name the property's name, for the error
     * @param value an absolute request path such as {@code /readyz}, or empty to switch the probe off
     * @return the path, or {@code null} for none
     */
    public static String probePath(String name, String value)
    {
        return orExit(() -> parseProbePath(name, value));
    }

    /**
     * @param name the property's name, for the error
     * @param value a file whose directory exists, or empty for none (or for the default)
     * @return the file's absolute path, or {@code null}
     */
    public static String file(String name, String value)
    {
        return orExit(() -> parseFile(name, value));
    }

    /**
     * @param name the property's name, for the error
     * @param value {@code file}, {@code memory} or a {@code jdbc:} URL
     * @return the store, trimmed
     */
    public static String sessionStore(String name, String value)
    {
        return orExit(() -> parseSessionStore(name, value));
    }

    /**
     * @param name the property's name, for the error
     * @param value a directory, created at the start if missing; not a regular file
     * @return its absolute path
     */
    public static String directory(String name, String value)
    {
        return orExit(() -> parseDirectory(name, value));
    }

    /**
     * @param name the property's name, for the error
     * @param value a TCP port, 0 to 65535 (0 for any free port)
     * @return the port
     */
    public static int port(String name, String value)
    {
        return orExit(() -> parsePort(name, value));
    }

    /**
     * @param name the property's name, for the error
     * @param value an address or a host name that resolves, or empty for every interface
     * @return the host as given, trimmed, or {@code null} for every interface
     */
    public static String host(String name, String value)
    {
        return orExit(() -> parseHost(name, value));
    }

    static int parsePort(String name, String value)
    {
        long port = parseLong(name, value, "a port number");
        if (port < 0 || port > 65535)
            throw new IllegalArgumentException(name + "=" + value + " is not a port: it must be from 0 to 65535 (0 for any free port)");
        return (int)port;
    }

    static String parseHost(String name, String value)
    {
        String host = value == null ? "" : value.trim();
        if (host.isEmpty())
            return null;
        try
        {
            InetAddress.getByName(host);
        }
        catch (UnknownHostException x)
        {
            throw new IllegalArgumentException(name + "=" + value + " does not resolve: use an address such as 127.0.0.1, or an empty value for every interface", x);
        }
        return host;
    }

    static String parseSessionStore(String name, String value)
    {
        String store = value == null ? "" : value.trim();
        if (!store.equals(PersistentSessions.FILE) && !store.equals(PersistentSessions.MEMORY) && !store.startsWith("jdbc:"))
            throw new IllegalArgumentException(name + "=" + value + " is not a session store: use file (under nserv.stateDir), memory (lost on restart) or a jdbc: URL such as jdbc:postgresql://host:5432/db");
        return store;
    }

    static String parseDirectory(String name, String value)
    {
        String text = value == null ? "" : value.trim();
        if (text.isEmpty())
            throw new IllegalArgumentException(name + " is empty: name a directory, e.g. " + name + "=/var/lib/nserv");
        Path dir;
        try
        {
            dir = Path.of(text).toAbsolutePath();
        }
        catch (InvalidPathException x)
        {
            throw new IllegalArgumentException(name + "=" + value + " is not a valid path: " + x.getMessage(), x);
        }
        if (Files.exists(dir) && !Files.isDirectory(dir))
            throw new IllegalArgumentException(name + "=" + value + " is a file, not a directory; name a directory");
        return dir.toString();
    }

    static int parseCount(String name, String value, int min)
    {
        long number = parseLong(name, value, "a whole number");
        if (number < min || number > Integer.MAX_VALUE)
            throw new IllegalArgumentException(name + "=" + value + " is out of range: it must be from " + min + " to " + Integer.MAX_VALUE);
        return (int)number;
    }

    static long parseMillis(String name, String value, long min, boolean minusOneForDefault)
    {
        long ms = parseLong(name, value, "a whole number of milliseconds");
        if (minusOneForDefault && ms == -1)
            return ms;
        if (ms < min)
            throw new IllegalArgumentException(name + "=" + value + " is too small: it must be at least " + min + " ms" + (minusOneForDefault ? ", or -1 for the default" : ""));
        return ms;
    }

    static String parseOverloadPolicy(String name, String value)
    {
        try
        {
            return OverloadPolicy.parse(value.trim()).name();
        }
        catch (IllegalArgumentException x)
        {
            throw new IllegalArgumentException(name + "=" + value + " is not an overload policy: use WAIT (accept when a connection ends) or SHED (answer 503 and close)", x);
        }
    }

    static String parseProbePath(String name, String value)
    {
        String path = value == null ? "" : value.trim();
        if (path.isEmpty())
            return null;
        if (!path.startsWith("/") || path.contains(" ") || path.contains("?"))
            throw new IllegalArgumentException(name + "=" + value + " is not a request path: use an absolute path such as /readyz, or an empty value to switch the probe off");
        return path;
    }

    static String parseFile(String name, String value)
    {
        String text = value == null ? "" : value.trim();
        if (text.isEmpty())
            return null;
        Path file;
        try
        {
            file = Path.of(text).toAbsolutePath();
        }
        catch (InvalidPathException x)
        {
            throw new IllegalArgumentException(name + "=" + value + " is not a valid path: " + x.getMessage(), x);
        }
        if (Files.isDirectory(file))
            throw new IllegalArgumentException(name + "=" + value + " is a directory: name a file in it, e.g. " + name + "=" + file.resolve("nserv.pid"));
        Path dir = file.getParent();
        if (dir == null || !Files.isDirectory(dir))
            throw new IllegalArgumentException(name + "=" + value + ": the directory " + dir + " does not exist; create it or choose another path");
        return file.toString();
    }

    private static long parseLong(String name, String value, String what)
    {
        String text = value == null ? "" : value.trim();
        try
        {
            return Long.parseLong(text);
        }
        catch (NumberFormatException x)
        {
            throw new IllegalArgumentException(name + "=" + value + " is not " + what + (text.matches("\\d+[a-zA-Z]+") ? " (no unit: " + name + " is in " + unit(what) + ")" : ""), x);
        }
    }

    private static String unit(String what)
    {
        return what.toLowerCase(Locale.ROOT).contains("milliseconds") ? "milliseconds" : "plain numbers";
    }

    private static <T> T orExit(Supplier<T> parse)
    {
        try
        {
            return parse.get();
        }
        catch (IllegalArgumentException x)
        {
            PrintStream err = System.err;
            err.println("nserv: error: " + x.getMessage());
            err.flush();
            System.exit(EXIT_BAD_PROPERTY);
            throw x;
        }
    }
}
