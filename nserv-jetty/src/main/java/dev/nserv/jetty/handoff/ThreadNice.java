package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Stream;

import com.sun.jna.LastErrorException;
import dev.nserv.jetty.sockets.LibC;

/**
 * The nice values and scheduler statistics of this process's threads, read from a task directory such as
 * {@code /proc/self/task} (one directory per thread id, with {@code comm}, {@code stat} and {@code schedstat}).
 * On Linux a nice value belongs to a thread, and {@code setpriority(PRIO_PROCESS, tid, n)} sets one thread's. Any
 * thread may raise its own process's values; lowering one again needs {@code CAP_SYS_NICE} or a high enough
 * {@code RLIMIT_NICE} ({@link #canLowerAgain}).
 */
final class ThreadNice
{
    /** The JVM's JIT compiler threads, as the kernel names them ("C1 CompilerThre", "C2 CompilerThre"). */
    static final Predicate<String> COMPILERS = comm -> comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre");

    private ThreadNice()
    {
    }

    /**
     * @param name tests a thread's name ({@code comm}); {@code null} takes every thread without reading names
     * @return the thread ids in {@code tasks} whose name matches; an unreadable directory or a thread that ended
     * meanwhile is left out
     */
    static List<Integer> threads(Path tasks, Predicate<String> name)
    {
        List<Path> entries;
        try (Stream<Path> list = Files.list(tasks))
        {
            entries = list.toList();
        }
        catch (IOException x)
        {
            return List.of();
        }
        List<Integer> ids = new ArrayList<>();
        for (Path entry : entries)
        {
            try
            {
                int tid = Integer.parseInt(entry.getFileName().toString());
                if (name == null || name.test(Files.readString(entry.resolve("comm")).strip()))
                    ids.add(tid);
            }
            catch (NumberFormatException | IOException x)
            {
                // not a thread, or one that ended meanwhile
            }
        }
        return ids;
    }

    /**
     * Sets the nice value of each listed thread.
     * @return how many were set; a thread that ended (ESRCH) or may not be set (EACCES) is not counted
     */
    static int set(List<Integer> tids, int nice)
    {
        int set = 0;
        for (int tid : tids)
        {
            try
            {
                LibC.INSTANCE.setpriority(LibC.PRIO_PROCESS, tid, nice);
                set++;
            }
            catch (LastErrorException x)
            {
                // ended meanwhile, or not permitted
            }
        }
        return set;
    }

    /**
     * @return the thread's nice value, field 19 of its {@code stat}, or {@code null} when it cannot be read
     */
    static Integer nice(Path tasks, int tid)
    {
        try
        {
            String stat = Files.readString(tasks.resolve(Integer.toString(tid)).resolve("stat"));
            // the command, in parentheses, may hold spaces: count the fields after its closing one
            return Integer.valueOf(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        }
        catch (IOException | RuntimeException x)
        {
            return null;
        }
    }

    /**
     * @return nanoseconds on a CPU and waiting for one, summed over the listed threads ({@code schedstat}'s first
     * two fields); threads that ended are left out
     */
    static long[] runAndWait(Path tasks, List<Integer> tids)
    {
        long[] sum = new long[2];
        for (int tid : tids)
        {
            try
            {
                String[] fields = Files.readString(tasks.resolve(Integer.toString(tid)).resolve("schedstat")).strip().split(" ");
                sum[0] += Long.parseLong(fields[0]);
                sum[1] += Long.parseLong(fields[1]);
            }
            catch (IOException | RuntimeException x)
            {
                // ended meanwhile
            }
        }
        return sum;
    }

    /**
     * Asks the kernel whether this process may lower a raised nice value back to {@code nice}: a short-lived
     * thread raises its own value by one and lowers it again. The kernel's answer covers every way to be allowed
     * (capabilities, user namespaces, {@code RLIMIT_NICE}), which a reading of them would have to reproduce.
     */
    static boolean canLowerAgain(int nice)
    {
        AtomicBoolean allowed = new AtomicBoolean();
        Thread probe = new Thread(() ->
        {
            try
            {
                // on Linux, PRIO_PROCESS with 0 is the calling thread
                LibC.INSTANCE.setpriority(LibC.PRIO_PROCESS, 0, nice + 1);
                LibC.INSTANCE.setpriority(LibC.PRIO_PROCESS, 0, nice);
                allowed.set(true);
            }
            catch (LastErrorException x)
            {
                // EACCES: the raise went through, the lowering did not; this thread ends here anyway
            }
        }, "nserv-nice-probe");
        probe.setDaemon(true);
        probe.start();
        try
        {
            probe.join(5_000);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        return allowed.get();
    }
}
