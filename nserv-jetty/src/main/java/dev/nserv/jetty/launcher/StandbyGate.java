package dev.nserv.jetty.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.nserv.jetty.ProcessEnvironment;
import dev.nserv.jetty.StartPhases;

/**
 * The standby's side of a restart prepared ahead (the previous generation's side is {@code handoff.Standby}). A
 * successor started with {@value ProcessEnvironment#STANDBY_ENV}{@code =1} parses its command line and starts its
 * logging, then reads its instructions on stdin: it loads the classes the previous generation loaded and
 * initialises those of the libraries (Jetty, Jasper, SLF4J, JNA; nserv's own are only loaded, since their static
 * state may depend on the restart), and waits until the restart comes with its environment. Configuration files,
 * WARs and the listeners are read only after that, so what changed while the standby waited is picked up.
 * <p>
 * The messages, one per line, UTF-8:
 * <pre>
 * nserv-standby 1
 * class org.eclipse.jetty.server.Server     (any number)
 * prepare                                   (load them now, then wait)
 * env NAME=VALUE                            (the restart's environment, any number)
 * go
 * </pre>
 * The end of stdin before {@code go} means the standby is no longer wanted: {@link #await} returns null, and the
 * process exits 0 without serving.
 */
final class StandbyGate
{
    static final String HEADER = "nserv-standby 1";
    /** Classes of this prefix are loaded, not initialised, ahead. */
    private static final String OWN_PACKAGES = "dev.nserv.";
    /** nserv's classes that are initialised ahead all the same: JNA's binding of libc (its first native call). */
    private static final Set<String> OWN_INITIALISED = Set.of("dev.nserv.jetty.sockets.LibC");
    private static final Pattern CLASS_NAME = Pattern.compile("[\\p{javaJavaIdentifierPart}.$]+");
    private static final int MAX_LINE = 65_536;

    private StandbyGate()
    {
    }

    /** Stdin does not follow the protocol, or the preparation failed; the standby exits without serving. */
    static final class StandbyException extends Exception
    {
        StandbyException(String message)
        {
            super(message);
        }

        static StandbyException badLine(int number, String line, String expected)
        {
            String shown = line.length() > 80 ? line.substring(0, 80) + "..." : line;
            return new StandbyException("standby: line " + number + " from the previous generation is '" + shown + "', expected " + expected);
        }
    }

    /**
     * Runs the standby's part up to its restart.
     * @param in stdin, the previous generation's pipe
     * @param loader the class loader of the server's classes
     * @param out where the one line "prepared" goes
     * @return the restart's environment; null when stdin ended before {@code go}
     * @throws IOException when stdin cannot be read
     * @throws StandbyException when a line does not follow the protocol, or a class failed to initialise
     */
    static Map<String, String> await(InputStream in, ClassLoader loader, PrintStream out) throws IOException, StandbyException
    {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        Lines lines = new Lines(reader);
        String line = lines.next();
        if (line == null)
            return null;
        if (!line.equals(HEADER))
            throw StandbyException.badLine(lines.number, line, "'" + HEADER + "'");
        List<String> classes = new ArrayList<>();
        while (!"prepare".equals(line = lines.next()))
        {
            if (line == null)
                return null;
            if (!line.startsWith("class ") || !CLASS_NAME.matcher(line.substring(6)).matches())
                throw StandbyException.badLine(lines.number, line, "'class NAME' or 'prepare'");
            classes.add(line.substring(6));
        }
        long began = System.nanoTime();
        int loaded = load(classes, loader);
        // the JDK's MBean server and its platform MXBeans: a generation registers its beans once it serves
        ManagementFactory.getPlatformMBeanServer();
        StartPhases.standbyPrepared();
        out.println("nserv: standby (pid " + ProcessHandle.current().pid() + ") prepared: " + loaded + " of " + classes.size() +
            " classes loaded in " + (System.nanoTime() - began) / 1_000_000 + " ms; it waits for the restart");
        out.flush();
        Map<String, String> env = new LinkedHashMap<>();
        while (!"go".equals(line = lines.next()))
        {
            if (line == null)
                return null;
            int equals = line.indexOf('=');
            if (!line.startsWith("env ") || equals < 5)
                throw StandbyException.badLine(lines.number, line, "'env NAME=VALUE' or 'go'");
            env.put(line.substring(4, equals), line.substring(equals + 1));
        }
        StartPhases.standbyGo();
        return env;
    }

    /** Lines of stdin, counted and bounded. */
    private static final class Lines
    {
        private final BufferedReader reader;
        private int number;

        Lines(BufferedReader reader)
        {
            this.reader = reader;
        }

        String next() throws IOException, StandbyException
        {
            String line = reader.readLine();
            if (line == null)
                return null;
            number++;
            if (line.length() > MAX_LINE || line.indexOf('\0') >= 0)
                throw StandbyException.badLine(number, line, "a line of at most " + MAX_LINE + " characters without NUL");
            return line;
        }
    }

    private static int load(List<String> classes, ClassLoader loader) throws StandbyException
    {
        int loaded = 0;
        for (String name : classes)
        {
            boolean initialise = !name.startsWith(OWN_PACKAGES) || OWN_INITIALISED.contains(name);
            try
            {
                Class.forName(name, initialise, loader);
                loaded++;
            }
            catch (ClassNotFoundException | NoClassDefFoundError x)
            {
                // a class of another version of the jar, or of an optional library: loaded on use, if ever
            }
            catch (LinkageError x)
            {
                // ExceptionInInitializerError and the like: the class stays unusable in this JVM, so this JVM must
                // not serve; the restart then starts a fresh successor
                throw new StandbyException("standby: initialising " + name + " ahead failed (" + x + "); this standby exits, and the restart starts a fresh successor");
            }
        }
        return loaded;
    }
}
