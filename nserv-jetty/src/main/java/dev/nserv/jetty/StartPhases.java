package dev.nserv.jetty;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.component.Container;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a generation's start spends its time: named moments (milliseconds since the JVM started) from the JVM's start
 * to READY, and each context's start, logged as one INFO line once the generation serves, e.g.
 * {@code start phases: JVM to Boot.main 212 ms, private jar 31 ms, launcher 164 ms, handoff 9 ms, server start
 * 802 ms (context / 741 ms), before ready (warm-up) 402 ms, ready 4 ms; ready at 1624 ms of JVM uptime}.
 * <p>
 * {@code Boot} runs before this class can be loaded (it is loaded by the launcher's private class loader), so it
 * hands its moments over as system properties ({@link #BOOT_PROPERTY}, {@link #COPIED_PROPERTY}). Recording a moment
 * costs one map insertion; the class keeps at most one value per name (the first).
 *
 * <pre>{@code
 * StartPhases.mark(StartPhases.LAUNCHER);
 * server.addBean(new StartPhases.ContextTimes());   // per-context start times
 * StartPhases.log();
 * }</pre>
 */
public final class StartPhases
{
    /** System property: epoch ms at which {@code Boot.main} began. */
    public static final String BOOT_PROPERTY = "nserv.start.boot";
    /** System property: epoch ms at which the private jar copy was complete. */
    public static final String COPIED_PROPERTY = "nserv.start.copied";
    /** Options parsed and the server assembled. */
    public static final String LAUNCHER = "launcher";
    /** Listening sockets received from the previous generation (successors only). */
    public static final String HANDOFF = "handoff";
    /** Jetty's server started: contexts deployed and started. */
    public static final String SERVER_START = "server start";
    /** Participants' {@code beforeReady} done: the warm-up (successors), the control socket, the pid file. */
    public static final String BEFORE_READY = "before ready (warm-up)";
    /** READY sent to the previous generation (or serving, on a first start). */
    public static final String READY = "ready";

    private static final Logger LOG = LoggerFactory.getLogger(StartPhases.class);
    private static final Map<String, Long> MARKS = new LinkedHashMap<>();
    private static final Map<String, Long> CONTEXTS = new LinkedHashMap<>();
    /** A standby's moments (epoch ms): its classes loaded ahead, and its restart's go; 0 when not a standby. */
    private static volatile long standbyPrepared;
    private static volatile long standbyGo;

    private StartPhases()
    {
    }

    /**
     * Records that a phase ended now; a second mark of the same phase is ignored.
     * @param phase the phase's name, e.g. {@link #LAUNCHER}
     */
    public static void mark(String phase)
    {
        long now = System.currentTimeMillis();
        synchronized (MARKS)
        {
            MARKS.putIfAbsent(phase, now);
        }
    }

    /**
     * Records that a standby has loaded its classes ahead (its phases before that are the JVM's and the jar copy's).
     */
    public static void standbyPrepared()
    {
        standbyPrepared = System.currentTimeMillis();
    }

    /**
     * Records that a standby's restart began: the phases after this are the restart's.
     */
    public static void standbyGo()
    {
        standbyGo = System.currentTimeMillis();
    }

    /**
     * @return the line {@link #log()} writes: each phase's length in ms, in the order they ended
     */
    public static String summary()
    {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        List<String> parts = new ArrayList<>();
        long previous = jvmStart;
        long boot = Long.getLong(BOOT_PROPERTY, 0L);
        if (boot > 0)
        {
            parts.add("JVM to Boot.main " + (boot - jvmStart) + " ms");
            previous = boot;
            long copied = Long.getLong(COPIED_PROPERTY, 0L);
            if (copied > 0)
            {
                parts.add("private jar " + (copied - boot) + " ms");
                previous = copied;
            }
            long prepared = standbyPrepared;
            long go = standbyGo;
            if (prepared > 0 && go > 0)
            {
                // a standby: everything so far happened before its restart; the phases below are the restart's
                parts.add("loading ahead " + (prepared - previous) + " ms");
                parts.add("standby until the restart " + (go - prepared) + " ms");
                previous = go;
            }
        }
        Map<String, Long> marks;
        Map<String, Long> contexts;
        synchronized (MARKS)
        {
            marks = new LinkedHashMap<>(MARKS);
        }
        synchronized (CONTEXTS)
        {
            contexts = new LinkedHashMap<>(CONTEXTS);
        }
        for (Map.Entry<String, Long> mark : marks.entrySet())
        {
            String part = mark.getKey() + " " + (mark.getValue() - previous) + " ms";
            if (mark.getKey().equals(SERVER_START) && !contexts.isEmpty())
            {
                List<String> each = new ArrayList<>();
                contexts.forEach((path, ms) -> each.add("context " + path + " " + ms + " ms"));
                part += " (" + String.join(", ", each) + ")";
            }
            parts.add(part);
            previous = mark.getValue();
        }
        long go = standbyGo;
        String end = go > 0 ? "; " + (previous - go) + " ms after the restart began" : "";
        return "start phases: " + String.join(", ", parts) + "; at " + (previous - jvmStart) + " ms of JVM uptime" + end;
    }

    /**
     * Logs {@link #summary()} at INFO.
     */
    public static void log()
    {
        LOG.info(summary());
    }

    /**
     * A server bean that records how long each context (a webapp: extraction, scanning, configuration and start)
     * takes to start, for {@link #summary()}. Add it to the {@code Server} before the start; it follows contexts
     * added anywhere below it, also by a deployer.
     */
    public static final class ContextTimes implements Container.InheritedListener
    {
        private final LifeCycle.Listener timer = new LifeCycle.Listener()
        {
            private final Map<LifeCycle, Long> starting = new LinkedHashMap<>();

            @Override
            public void lifeCycleStarting(LifeCycle event)
            {
                synchronized (starting)
                {
                    starting.put(event, System.nanoTime());
                }
            }

            @Override
            public void lifeCycleStarted(LifeCycle event)
            {
                Long began;
                synchronized (starting)
                {
                    began = starting.remove(event);
                }
                if (began != null && event instanceof ContextHandler context)
                {
                    synchronized (CONTEXTS)
                    {
                        CONTEXTS.putIfAbsent(context.getContextPath(), (System.nanoTime() - began) / 1_000_000);
                    }
                }
            }
        };

        @Override
        public void beanAdded(Container parent, Object child)
        {
            if (child instanceof ContextHandler context)
                context.addEventListener(timer);
        }

        @Override
        public void beanRemoved(Container parent, Object child)
        {
            if (child instanceof ContextHandler context)
                context.removeEventListener(timer);
        }
    }
}
