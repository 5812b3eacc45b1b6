package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.sun.jna.LastErrorException;
import dev.nserv.jetty.sockets.LibC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the CPU priority of a generation that handed off and has stopped serving, for the rest of its exit. What
 * is left then is not urgent, and some of it is heavy: the JVM writes the class-data archive at its exit (about 2 s
 * of CPU), and on Java 25 it starts a child JVM that assembles the AOT cache. Measured on 2 cores, that work made its
 * successor's first quarter second of serving twice as slow (median 2.9-6.4 ms against 1.2 ms steady). At nice 19
 * the scheduler gives it CPU only when the successor does not need it.
 * <p>
 * On Linux a nice value belongs to a thread, so every thread of the process is set (threads started later, such as
 * the AOT cache's child process, inherit it from theirs). Raising the value needs no privilege. Only a handed-off
 * generation is lowered: a generation stopped by SIGTERM with no successor exits at normal priority.
 */
final class ExitPriority implements HandoverParticipant
{
    private static final Logger LOG = LoggerFactory.getLogger(ExitPriority.class);
    /** The lowest priority, see {@code setpriority(2)}. */
    static final int NICE = 19;

    private volatile boolean handedOff;

    @Override
    public void handedOff(Handover handover)
    {
        handedOff = true;
    }

    @Override
    public void rolledBack(Handover handover, String cause)
    {
        handedOff = false;
    }

    @Override
    public void stopped(Handover handover)
    {
        if (handedOff)
            lower(Path.of("/proc/self/task"));
    }

    /**
     * Sets every thread listed in {@code tasks} to {@link #NICE}.
     * @return how many threads were set
     */
    static int lower(Path tasks)
    {
        int set = 0;
        List<Path> threads;
        try (Stream<Path> list = Files.list(tasks))
        {
            threads = list.toList();
        }
        catch (IOException x)
        {
            LOG.debug("cannot list {}: {}", tasks, x.toString());
            return 0;
        }
        for (Path thread : threads)
        {
            try
            {
                LibC.INSTANCE.setpriority(LibC.PRIO_PROCESS, Integer.parseInt(thread.getFileName().toString()), NICE);
                set++;
            }
            catch (NumberFormatException | LastErrorException x)
            {
                // a thread that ended meanwhile (ESRCH)
            }
        }
        LOG.debug("exit at nice {}: {} of {} threads", NICE, set, threads.size());
        return set;
    }
}
