package dev.nserv.jetty.handoff;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.IntPredicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a successor's first requests come before its JIT compiler. A successor serves with code the compiler is still
 * optimising: measured on 2 cores under light load, its two compiler threads used 0.5-0.9 s of CPU in its first 2 s
 * of serving, against 0.4 s for the requests, and a request that woke while both cores compiled waited: the first
 * 2 s had a p99 1.5-2.7x the steady p99. With the compiler threads at nice {@value #NICE} the scheduler runs a
 * request first and compiles in the idle time in between: p99 0.9-1.4x.
 * <p>
 * A compiler that yields is a slow compiler when there is no idle time: under a load that saturates the CPU, a
 * successor whose compiler stayed at nice 10 reached its full throughput 4-5 s later. So the compiler threads are
 * set back as soon as they wait for a CPU twice as long as they run (over the last {@value #WINDOW_MS} ms, at least
 * {@value #MIN_WAIT_MS} ms of waiting: the CPU is busy with more than the requests can leave idle), and at the
 * latest after {@link #CompilerYield(Duration) the limit}. Because setting a nice value back needs a privilege
 * ({@code CAP_SYS_NICE}, or {@code RLIMIT_NICE}, e.g. systemd's {@code LimitNICE=+0}), a process that lacks it does
 * not lower the compiler at all, and says so once.
 * <p>
 * Only a successor yields, from the moment it reports READY (after its warm-up, which wants the compiler at full
 * speed); a first start does not compete with a predecessor.
 *
 * <pre>{@code
 * support.addParticipant(new CompilerYield(Duration.ofSeconds(10)));
 * }</pre>
 */
final class CompilerYield implements HandoverParticipant
{
    private static final Logger LOG = LoggerFactory.getLogger(CompilerYield.class);
    /** The compiler threads' nice value while they yield: a weight of 110 against a request thread's 1024. */
    static final int NICE = 10;
    /** How often the compiler threads' scheduler statistics are read. */
    static final long SAMPLE_MS = 250;
    static final long WINDOW_MS = 2 * SAMPLE_MS;
    static final long MIN_WAIT_MS = 100;

    private final Duration limit;
    private final Path tasks;
    private final IntPredicate canLowerAgain;
    private Thread watch;

    /**
     * @param limit how long at most the compiler yields after the successor serves; zero turns it off
     */
    CompilerYield(Duration limit)
    {
        this(limit, Path.of("/proc/self/task"), ThreadNice::canLowerAgain);
    }

    CompilerYield(Duration limit, Path tasks, IntPredicate canLowerAgain)
    {
        if (limit == null || limit.isNegative())
            throw new IllegalArgumentException("compiler yield must be 0 (off) or more, was " + limit);
        this.limit = limit;
        this.tasks = tasks;
        this.canLowerAgain = canLowerAgain;
    }

    @Override
    public void beforeReady(Handover handover)
    {
        // the last step before READY: the warm-up (which wants the compiler at full speed) is done, and the
        // successor's acceptors already take connections
        if (handover.isSuccessor())
            start();
    }

    @Override
    public void stopping(Handover handover)
    {
        stop();
    }

    /**
     * Lowers the compiler threads and starts watching them.
     * @return whether they were lowered
     */
    synchronized boolean start()
    {
        if (limit.isZero() || watch != null)
            return false;
        List<Integer> compilers = ThreadNice.threads(tasks, ThreadNice.COMPILERS);
        Integer original = compilers.isEmpty() ? null : ThreadNice.nice(tasks, compilers.get(0));
        if (original == null || original >= NICE)
        {
            LOG.debug("compiler yield: nothing to lower ({} compiler threads, nice {})", compilers.size(), original);
            return false;
        }
        if (!canLowerAgain.test(original))
        {
            LOG.info("JIT compiler keeps its priority in this generation's first seconds: this process could not set it back "
                + "(that needs CAP_SYS_NICE or RLIMIT_NICE; with systemd, LimitNICE=+0); see docs/restart.md");
            return false;
        }
        ThreadNice.set(compilers, NICE);
        long lowered = System.nanoTime();
        watch = new Thread(() -> watch(compilers, original, lowered), "nserv-compiler-yield");
        watch.setDaemon(true);
        watch.start();
        return true;
    }

    /**
     * Sets the compiler threads back now, if they yield.
     */
    void stop()
    {
        Thread thread;
        synchronized (this)
        {
            thread = watch;
        }
        if (thread == null)
            return;
        thread.interrupt();
        try
        {
            thread.join(5_000);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Samples the threads lowered at the start (a compiler thread the JVM adds later only counts at the end). */
    private void watch(List<Integer> compilers, int original, long lowered)
    {
        String why = "after " + limit.toMillis() + " ms";
        long end = lowered + limit.toNanos();
        long[] before = null;
        long[] last = ThreadNice.runAndWait(tasks, compilers);
        try
        {
            while (System.nanoTime() < end)
            {
                Thread.sleep(Math.max(1, Math.min(SAMPLE_MS, (end - System.nanoTime()) / 1_000_000)));
                long[] now = ThreadNice.runAndWait(tasks, compilers);
                if (before != null)
                {
                    long runMs = (now[0] - before[0]) / 1_000_000;
                    long waitMs = (now[1] - before[1]) / 1_000_000;
                    if (waitMs >= MIN_WAIT_MS && waitMs >= 2 * runMs)
                    {
                        why = "the CPU is busy: in the last " + WINDOW_MS + " ms the compiler waited " + waitMs + " ms for it and ran " + runMs + " ms";
                        break;
                    }
                }
                before = last;
                last = now;
            }
        }
        catch (InterruptedException x)
        {
            why = "the server stops";
        }
        // threads the JVM added meanwhile were started by a compiler thread, and inherited its value
        int set = ThreadNice.set(ThreadNice.threads(tasks, ThreadNice.COMPILERS), original);
        LOG.info("JIT compiler back at nice {} ({} threads) {} ms after this generation reported ready: {}", original, set,
            (System.nanoTime() - lowered) / 1_000_000, why);
    }
}
