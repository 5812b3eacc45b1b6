package dev.nserv.jetty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds a whole stop. The drain timeout bounds the requests in flight; webapp clean-up
 * ({@code contextDestroyed}, a pool that never shuts down) is bounded by nothing in Jetty, and a generation that never
 * exits keeps its memory and, after a restart, blocks the next one. When the deadline passes, this logs which contexts
 * are still stopping and the stacks of the threads that hold the stop up, then halts the JVM with
 * {@link #EXIT_CODE}: a halt, because shutdown hooks and the stuck code could delay an orderly exit again.
 *
 * <pre>{@code
 * StopDeadline deadline = new StopDeadline(server, Duration.ofSeconds(40));
 * deadline.arm();              // when the stop begins
 * server.stop();
 * deadline.disarm();           // stopped in time: the process exits normally
 * }</pre>
 */
public final class StopDeadline
{
    /** The process exit code when a stop passed its deadline. */
    public static final int EXIT_CODE = 3;
    private static final Logger LOG = LoggerFactory.getLogger(StopDeadline.class);
    private static final int MAX_FRAMES = 40;

    private final Server server;
    private final Duration deadline;
    private final IntConsumer halt;
    private final CountDownLatch done = new CountDownLatch(1);
    private Thread watcher;
    private volatile String lastReport;

    /**
     * A deadline that halts the JVM when it passes.
     * @param server the server whose contexts are reported as stuck
     * @param deadline the longest a stop may take, from {@link #arm()}; positive
     */
    public StopDeadline(Server server, Duration deadline)
    {
        this(server, deadline, code -> Runtime.getRuntime().halt(code));
    }

    /**
     * @param server the server whose contexts are reported as stuck
     * @param deadline the longest a stop may take, from {@link #arm()}; positive
     * @param halt what ends the process, given the exit code (tests pass a recorder)
     */
    StopDeadline(Server server, Duration deadline, IntConsumer halt)
    {
        if (deadline == null || deadline.isZero() || deadline.isNegative())
            throw new IllegalArgumentException("stop deadline must be positive, was " + deadline);
        this.server = server;
        this.deadline = deadline;
        this.halt = halt;
    }

    /**
     * @return the longest a stop may take
     */
    public Duration getDeadline()
    {
        return deadline;
    }

    /**
     * Starts counting; the thread that calls this is reported first if the deadline passes. Arming twice is harmless.
     */
    public synchronized void arm()
    {
        if (watcher != null)
            return;
        Thread stopper = Thread.currentThread();
        watcher = new Thread(() -> watch(stopper), "nserv-stop-deadline");
        // a daemon: a stop that ends in time must not wait for the watcher
        watcher.setDaemon(true);
        watcher.start();
    }

    /**
     * The stop ended in time.
     */
    public void disarm()
    {
        done.countDown();
    }

    private void watch(Thread stopper)
    {
        try
        {
            if (done.await(deadline.toMillis(), TimeUnit.MILLISECONDS))
                return;
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            return;
        }
        String report = report(stopper);
        lastReport = report;
        LOG.error("{}", report);
        halt.accept(EXIT_CODE);
    }

    /**
     * @return the report logged when the deadline passed, or null
     */
    String lastReport()
    {
        return lastReport;
    }

    /**
     * @param stopper the thread that began the stop
     * @return what an operator needs to find the stuck component: the contexts still stopping and the stacks
     */
    String report(Thread stopper)
    {
        StringBuilder out = new StringBuilder();
        out.append("stop deadline of ").append(deadline.toMillis()).append(" ms passed; exiting with code ").append(EXIT_CODE);
        List<String> stuck = new ArrayList<>();
        for (ContextHandler context : server.getDescendants(ContextHandler.class))
        {
            if (context.isStopping() || (context.isStarted() && server.isStopping()))
                stuck.add(describe(context) + " (" + context.getState() + ")");
        }
        out.append(stuck.isEmpty() ? "; no webapp context is stopping (a server component is stuck)" : "; still stopping: " + String.join(", ", stuck));
        Map<Thread, StackTraceElement[]> stacks = Thread.getAllStackTraces();
        appendStack(out, stopper, stacks.get(stopper));
        for (Map.Entry<Thread, StackTraceElement[]> entry : stacks.entrySet())
        {
            Thread thread = entry.getKey();
            if (thread != stopper && thread != Thread.currentThread() && !thread.isDaemon() && runsApplicationCode(entry.getValue()))
                appendStack(out, thread, entry.getValue());
        }
        return out.toString();
    }

    private static String describe(ContextHandler context)
    {
        String name = context.getDisplayName();
        return "context " + (context.getContextPath() == null ? "?" : context.getContextPath()) + (name == null ? "" : " [" + name + "]");
    }

    /** Frames of classes that are not the JDK's, Jetty's or nserv's own: a webapp's code. */
    static boolean runsApplicationCode(StackTraceElement[] frames)
    {
        for (StackTraceElement frame : frames)
        {
            String type = frame.getClassName();
            if (!type.startsWith("java.") && !type.startsWith("javax.") && !type.startsWith("jdk.") && !type.startsWith("sun.") &&
                !type.startsWith("org.eclipse.jetty.") && !type.startsWith("dev.nserv.jetty.") && !type.startsWith("org.slf4j."))
                return true;
        }
        return false;
    }

    private static void appendStack(StringBuilder out, Thread thread, StackTraceElement[] frames)
    {
        if (frames == null)
            return;
        out.append("\n  thread \"").append(thread.getName()).append("\" ").append(thread.getState());
        for (int i = 0; i < frames.length && i < MAX_FRAMES; i++)
            out.append("\n    at ").append(frames[i]);
        if (frames.length > MAX_FRAMES)
            out.append("\n    ... ").append(frames.length - MAX_FRAMES).append(" more");
    }
}
