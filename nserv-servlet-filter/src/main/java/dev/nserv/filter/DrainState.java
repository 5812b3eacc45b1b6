package dev.nserv.filter;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.ServletContext;

/**
 * The drain state of one webapp, shared by its {@link DrainFilter}s and its {@link DrainListener} through the
 * context attribute {@link #ATTRIBUTE}. Draining has three sources: {@link #startDrain()} (JMX or code), the
 * webapp's destruction, and the nserv server, which sets the context attribute
 * {@value #SERVER_DRAINING_ATTRIBUTE} to {@code Boolean.TRUE} on every webapp when it starts draining (read
 * per request, so no compile-time dependency between the modules is needed).
 *
 * <p>Once a drain for destruction starts, one deadline is fixed; every wait ({@link DrainFilter#destroy()},
 * {@link DrainListener#contextDestroyed}) ends by that deadline, so the timeout is not paid twice.</p>
 */
public final class DrainState implements DrainMBean
{
    /** The context attribute the nserv server sets to {@code Boolean.TRUE} on every webapp when it drains. */
    public static final String SERVER_DRAINING_ATTRIBUTE = "dev.nserv.draining";
    /** The context attribute that holds this webapp's DrainState. */
    public static final String ATTRIBUTE = DrainState.class.getName();

    private final ServletContext context;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object idle = new Object();
    private volatile long drainTimeoutMillis = 30_000;
    private volatile boolean operatorDrain;
    private volatile boolean destroying;
    private volatile long deadlineNanos;

    DrainState(ServletContext context)
    {
        this.context = context;
    }

    /**
     * @param context a webapp's context
     * @return its drain state, created on first use
     */
    public static DrainState of(ServletContext context)
    {
        // contexts are initialised on one thread, but the listener and the filters may race on a lazy webapp
        synchronized (DrainState.class)
        {
            Object existing = context.getAttribute(ATTRIBUTE);
            if (existing instanceof DrainState)
                return (DrainState)existing;
            DrainState state = new DrainState(context);
            context.setAttribute(ATTRIBUTE, state);
            return state;
        }
    }

    @Override
    public boolean isDraining()
    {
        return operatorDrain || destroying || serverDraining();
    }

    private boolean serverDraining()
    {
        Object value = context.getAttribute(SERVER_DRAINING_ATTRIBUTE);
        return Boolean.TRUE.equals(value) || "true".equals(value);
    }

    @Override
    public String getDrainReason()
    {
        if (destroying)
            return "webapp destroyed";
        if (serverDraining())
            return "server draining (" + SERVER_DRAINING_ATTRIBUTE + ")";
        if (operatorDrain)
            return "startDrain operation";
        return "";
    }

    @Override
    public int getInFlight()
    {
        return inFlight.get();
    }

    @Override
    public long getDrainTimeoutMillis()
    {
        return drainTimeoutMillis;
    }

    /** @param millis the longest the webapp's destruction waits for requests in flight, in milliseconds, 0 or more */
    public void setDrainTimeoutMillis(long millis)
    {
        if (millis < 0)
            throw new IllegalArgumentException("drain timeout " + millis + " ms is negative: use 0 (do not wait) or more");
        this.drainTimeoutMillis = millis;
    }

    @Override
    public void startDrain()
    {
        operatorDrain = true;
    }

    @Override
    public void cancelDrain()
    {
        operatorDrain = false;
    }

    void requestStarted()
    {
        inFlight.incrementAndGet();
    }

    void requestEnded()
    {
        // notify only while someone may wait: the waiter sets destroying before it reads the count
        if (inFlight.decrementAndGet() == 0 && destroying)
        {
            synchronized (idle)
            {
                idle.notifyAll();
            }
        }
    }

    /**
     * Starts the drain of the webapp's destruction (once: the first call fixes the deadline) and waits until no
     * request is in flight or the deadline passes.
     * @return true if no request is in flight
     */
    public boolean destroyAndAwaitIdle()
    {
        synchronized (idle)
        {
            if (!destroying)
            {
                deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainTimeoutMillis);
                destroying = true;
            }
            try
            {
                while (inFlight.get() > 0)
                {
                    long remaining = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
                    if (remaining <= 0)
                        return false;
                    idle.wait(remaining);
                }
                return true;
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
                return inFlight.get() == 0;
            }
        }
    }
}
