package dev.nserv.jetty.launcher;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;

import dev.nserv.jetty.StartPhases;

/**
 * The jar's entry point: runs the server from a private copy of {@code nserv.jar}, so that overwriting the jar in
 * place ({@code cp new.jar nserv.jar}, as most people update a file) cannot break the running generation.
 * <p>
 * A JVM reads classes from its jar lazily, long after the start; a jar rewritten in place (same inode, new bytes)
 * makes those reads fail ({@code NoClassDefFoundError} on a rarely used path, a failed restart). Renaming a new jar
 * over the old one is safe, copying over it is not -- and operators copy. So this class, which loads nothing of the
 * server itself, copies the jar into a private directory ({@link PrivateJar}) and loads the launcher from the copy
 * in a class loader of its own. The successor is still started from the original path, so a restart picks up the
 * new jar. {@code ctl} commands and runs from a directory of classes (tests, IDEs) skip the copy; so does
 * {@code NSERV_PRIVATE_JAR=off}.
 */
public final class Boot
{
    /** The launcher, named as a string: loading it here would load it from the original jar. */
    static final String LAUNCHER = "dev.nserv.jetty.launcher.Main";
    /** Environment variable that turns the private copy off ({@code off}). */
    public static final String PRIVATE_JAR_ENV = "NSERV_PRIVATE_JAR";

    private Boot()
    {
    }

    /**
     * Entry point of {@code java -jar nserv.jar}.
     * @param args command line
     * @throws Throwable whatever the launcher throws
     */
    public static void main(String[] args) throws Throwable
    {
        System.setProperty(StartPhases.BOOT_PROPERTY, Long.toString(System.currentTimeMillis()));
        Path jar = ownJar();
        if (jar == null || (args.length > 0 && args[0].equals("ctl")) || "off".equals(System.getenv(PRIVATE_JAR_ENV)))
        {
            Main.main(args);
            return;
        }
        Path copy;
        try
        {
            copy = PrivateJar.copyOf(jar);
        }
        catch (IOException x)
        {
            System.err.println("nserv: error: " + x.getMessage());
            System.exit(Main.EXIT_START_FAILED);
            return;
        }
        // removed at a normal exit; a copy left by SIGKILL is removed by the next start
        copy.toFile().deleteOnExit();
        System.setProperty(StartPhases.COPIED_PROPERTY, Long.toString(System.currentTimeMillis()));
        // the platform loader as parent: nothing of the server may come from the original jar
        // it remembers what it loads: a standby successor loads the same ahead of its restart
        RecordingClassLoader loader = new RecordingClassLoader(copy.toUri().toURL(), ClassLoader.getPlatformClassLoader());
        Thread.currentThread().setContextClassLoader(loader);
        System.setProperty(PrivateJar.JAR_PROPERTY, jar.toString());
        System.setProperty(PrivateJar.COPY_PROPERTY, copy.toString());
        try
        {
            Class.forName(LAUNCHER, true, loader).getMethod("main", String[].class).invoke(null, (Object)args);
        }
        catch (InvocationTargetException x)
        {
            throw x.getCause();
        }
    }

    /**
     * @return the jar this class was loaded from, or null when it came from a directory
     */
    static Path ownJar()
    {
        CodeSource source = Boot.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null)
            return null;
        try
        {
            Path path = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(path) ? path : null;
        }
        catch (URISyntaxException | IllegalArgumentException x)
        {
            return null;
        }
    }
}
