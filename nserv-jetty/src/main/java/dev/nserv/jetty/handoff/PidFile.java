package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A pid file written atomically (a temporary file in the same directory, then rename), so a reader such as
 * systemd ({@code PIDFile=}) never sees it empty or half written. Each generation writes its pid once it serves;
 * at a plain stop it removes the file only if the file still holds its own pid, never a successor's.
 */
final class PidFile
{
    private final Path file;

    PidFile(Path file)
    {
        this.file = file.toAbsolutePath();
    }

    Path path()
    {
        return file;
    }

    /**
     * Writes this process's pid.
     * @throws IOException when the directory is not writable
     */
    void write() throws IOException
    {
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Files.write(tmp, (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Removes the file if it holds this process's pid.
     * @return whether it was removed
     */
    boolean removeIfOwn()
    {
        try
        {
            String content = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (content.equals(Long.toString(ProcessHandle.current().pid())))
                return Files.deleteIfExists(file);
        }
        catch (IOException x)
        {
            // gone already or unreadable: leave it
        }
        return false;
    }
}
