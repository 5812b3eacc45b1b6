package dev.nserv.jetty.handoff;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.nserv.jetty.NservServer;

/**
 * Where this generation stands in the invariant -- one or two generations, at most one of them not ready -- and
 * the gate that keeps it: a restart may begin only when none is under way, this generation is ready and not
 * stopping, it has not handed off, its predecessor has stopped, and it is not the init (PID 1) of a container.
 */
final class RestartState
{
    /** A neighbouring generation: the predecessor still draining, or the committed successor. */
    record Neighbour(int generation, long pid, HandoffServer connection)
    {
        @Override
        public String toString()
        {
            return "generation " + generation + " (pid " + pid + ")";
        }
    }

    private final AtomicBoolean inProgress = new AtomicBoolean();
    private volatile String progress = "";
    private volatile String lastResult = "none";
    private volatile Neighbour predecessor;
    private volatile Neighbour successor;

    /**
     * Lets one restart begin, or says why not.
     * @param nserv this generation's server
     * @throws IllegalStateException naming the reason a restart is not possible now
     */
    void begin(NservServer nserv)
    {
        if (!inProgress.compareAndSet(false, true))
            throw new IllegalStateException("restart in progress: " + progress + "; try again when it has finished");
        try
        {
            if (successor != null)
                throw new IllegalStateException("restart in progress: this generation already handed off to " + successor + " and is draining");
            // In a PID namespace (a container) PID 1 is its init: when it exits, the kernel kills every process left in
            // the namespace, so the successor would die with this generation and the port would refuse connections.
            if (nserv.getPid() == 1)
                throw new IllegalStateException("cannot restart: this process is PID 1 of its PID namespace (a container's init), and the kernel ends every process in the namespace when it exits, the successor too; run nserv with --supervise (the supervisor stays PID 1) or under an init such as tini");
            if (nserv.isStopping())
                throw new IllegalStateException("cannot restart: generation " + nserv.getGeneration() + " is stopping");
            if (!nserv.isReady())
                throw new IllegalStateException("cannot restart: generation " + nserv.getGeneration() + " is not ready yet");
            Neighbour previous = predecessor;
            if (previous != null)
                throw new IllegalStateException("restart in progress: " + previous + " is still draining; try again when it has stopped");
        }
        catch (IllegalStateException x)
        {
            end("failed: " + x.getMessage());
            throw x;
        }
    }

    void progress(String step)
    {
        progress = step;
    }

    /**
     * Ends the restart that {@link #begin} let through.
     * @param result the outcome, for {@link #lastResult()}
     */
    void end(String result)
    {
        lastResult = result;
        progress = "";
        inProgress.set(false);
    }

    boolean inProgress()
    {
        return inProgress.get();
    }

    String lastResult()
    {
        return lastResult;
    }

    void predecessor(Neighbour previous)
    {
        predecessor = previous;
    }

    void successor(Neighbour next)
    {
        successor = next;
    }

    Neighbour successor()
    {
        return successor;
    }

    boolean isHandedOff()
    {
        return successor != null;
    }

    /**
     * Closes the connection to a committed successor, telling it that this generation has stopped.
     */
    void closeSuccessorConnection()
    {
        Neighbour next = successor;
        if (next != null)
            next.connection().close();
    }

    /**
     * @return the state, one line
     */
    String describe()
    {
        Neighbour next = successor;
        if (next != null)
            return "handed off to " + next + "; this generation is draining";
        if (inProgress.get())
            return "restart in progress: " + progress;
        Neighbour previous = predecessor;
        if (previous != null)
            return "waiting for " + previous + " to finish draining";
        return "idle";
    }

    /**
     * Waits until no restart is under way, e.g. until a roll back has ended its successor.
     * @param timeout the longest wait
     * @return true when no restart is under way
     */
    boolean awaitIdle(Duration timeout)
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        try
        {
            while (inProgress.get())
            {
                if (System.nanoTime() - deadline >= 0)
                    return false;
                Thread.sleep(20);
            }
            return true;
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            return !inProgress.get();
        }
    }
}
