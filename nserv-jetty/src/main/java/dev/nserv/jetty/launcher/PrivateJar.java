package dev.nserv.jetty.launcher;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

import dev.nserv.jetty.ctl.ControlPaths;

/**
 * A private, per-process copy of {@code nserv.jar}: {@code <control directory>/code/nserv-<pid>.jar}, in the user's
 * 0700 directory that also holds the control sockets. Copies of processes that are gone are removed at the next start
 * (a process killed with SIGKILL cannot remove its own).
 * <p>
 * A jar being written while it is copied would give a broken copy, so the copy is taken only when the jar's size and
 * modification time are the same before and after, and the copy must open as a complete jar holding the launcher;
 * otherwise it is tried again, for at most {@link #SETTLE_ATTEMPTS} times 100 ms.
 */
final class PrivateJar
{
    /** System property: the jar the process was started from. */
    static final String JAR_PROPERTY = "nserv.jar";
    /** System property: the private copy the process runs from. */
    static final String COPY_PROPERTY = "nserv.jar.copy";
    static final int SETTLE_ATTEMPTS = 50;
    private static final Pattern COPY_NAME = Pattern.compile("nserv-(\\d+)\\.jar");
    private static final String LAUNCHER_ENTRY = Boot.LAUNCHER.replace('.', '/') + ".class";

    private PrivateJar()
    {
    }

    /**
     * Copies the jar for this process.
     * @param jar the jar the JVM was started from
     * @return the copy
     * @throws IOException naming the jar and the cause when no complete copy could be taken
     */
    static Path copyOf(Path jar) throws IOException
    {
        Path directory = ControlPaths.defaultDirectory();
        ControlPaths.ensurePrivateDirectory(directory);
        Path code = directory.resolve("code");
        Files.createDirectories(code);
        removeCopiesOfGoneProcesses(code);
        Path copy = code.resolve("nserv-" + ProcessHandle.current().pid() + ".jar");
        String problem = null;
        for (int attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++)
        {
            if (attempt > 0)
                pause();
            BasicFileAttributes before = Files.readAttributes(jar, BasicFileAttributes.class);
            Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
            BasicFileAttributes after = Files.readAttributes(jar, BasicFileAttributes.class);
            if (before.size() != after.size() || !before.lastModifiedTime().equals(after.lastModifiedTime()) || Files.size(copy) != after.size())
            {
                problem = "it changed while it was copied";
                continue;
            }
            problem = incomplete(copy);
            if (problem == null)
                return copy;
        }
        Files.deleteIfExists(copy);
        throw new IOException("cannot run from a private copy of " + jar + ": " + problem + " (is it still being written? start again once it is complete, or set " +
            Boot.PRIVATE_JAR_ENV + "=off)");
    }

    /** @return why the copy is not a complete nserv jar, or null when it is */
    private static String incomplete(Path copy)
    {
        try (ZipFile zip = new ZipFile(copy.toFile()))
        {
            return zip.getEntry(LAUNCHER_ENTRY) == null ? "it holds no " + LAUNCHER_ENTRY : null;
        }
        catch (IOException x)
        {
            return "it is not a complete jar (" + x.getMessage() + ")";
        }
    }

    private static void pause() throws IOException
    {
        try
        {
            // a production retry while another program finishes writing the jar, not a test wait
            Thread.sleep(100);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the jar to be complete", x);
        }
    }

    private static void removeCopiesOfGoneProcesses(Path code)
    {
        try (DirectoryStream<Path> copies = Files.newDirectoryStream(code, "nserv-*.jar"))
        {
            for (Path copy : copies)
            {
                Matcher m = COPY_NAME.matcher(copy.getFileName().toString());
                if (m.matches() && !alive(Long.parseLong(m.group(1))))
                    Files.deleteIfExists(copy);
            }
        }
        catch (IOException | NumberFormatException x)
        {
            // only housekeeping: a copy left behind costs disk space, nothing else
        }
    }

    private static boolean alive(long pid)
    {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        return process.isPresent() && process.get().isAlive();
    }
}
