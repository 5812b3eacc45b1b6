package dev.nserv.jetty.handoff;

import java.nio.file.Path;
import java.util.List;

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
 * generation is lowered: a generation stopped by SIGTERM with no successor exits at normal priority. Its JIT compiler
 * threads are lowered earlier, as soon as it hands off: the code its drain runs is compiled by then, and the
 * compiler was measured using 30-120 ms of CPU per quarter second in its successor's first moments.
 */
final class ExitPriority implements HandoverParticipant
{
    private static final Logger LOG = LoggerFactory.getLogger(ExitPriority.class);
    /** The lowest priority, see {@code setpriority(2)}. */
    static final int NICE = 19;
    private static final Path TASKS = Path.of("/proc/self/task");

    private volatile boolean handedOff;

    @Override
    public void handedOff(Handover handover)
    {
        handedOff = true;
        // what this generation still runs is compiled by now; its successor's first requests need the CPU more
        LOG.debug("JIT compiler at nice {} while this generation drains: {} threads", NICE,
            ThreadNice.set(ThreadNice.threads(TASKS, ThreadNice.COMPILERS), NICE));
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
            lower(TASKS);
    }

    /**
     * Sets every thread listed in {@code tasks} to {@link #NICE}.
     * @return how many threads were set
     */
    static int lower(Path tasks)
    {
        List<Integer> threads = ThreadNice.threads(tasks, null);
        int set = ThreadNice.set(threads, NICE);
        LOG.debug("exit at nice {}: {} of {} threads", NICE, set, threads.size());
        return set;
    }
}
