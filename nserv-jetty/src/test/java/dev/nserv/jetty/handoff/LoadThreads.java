package dev.nserv.jetty.handoff;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The client threads of a bounded test load: each client loops while {@link #go()} holds, that is until
 * {@link #close()} or until the longest run has passed, whichever comes first; {@link #close()} then waits for each
 * thread.
 *
 * <pre>{@code
 * LoadThreads threads = new LoadThreads(Duration.ofMinutes(3));
 * threads.add("load-0", () -> { while (threads.go()) send(); });
 * threads.start();
 * // ...
 * threads.close();
 * }</pre>
 */
final class LoadThreads implements AutoCloseable
{
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final long deadline;

    /**
     * @param maxRun the longest the clients run, from now
     */
    LoadThreads(Duration maxRun)
    {
        deadline = System.nanoTime() + maxRun.toNanos();
    }

    void add(String name, Runnable client)
    {
        threads.add(new Thread(client, name));
    }

    /** Starts the threads added so far. */
    void start()
    {
        threads.forEach(Thread::start);
    }

    /** @return whether a client sends another request */
    boolean go()
    {
        return running.get() && System.nanoTime() < deadline;
    }

    /** Stops the clients and waits up to 40 s for each. */
    @Override
    public void close()
    {
        running.set(false);
        try
        {
            for (Thread thread : threads)
                thread.join(40_000);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }
}
