package dev.nserv.jetty.handoff;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many restarts ended committed and how many rolled back, and how long they took, over the whole line of
 * generations -- not only this process. A restart's outcome is known in two places: the generation that began it
 * (which keeps serving after a roll back, and drains after a commit) and the successor (which serves from the
 * commit on). So the history travels with the handoff: the successor's environment carries the counts as they
 * were when the restart began, plus the moment it began, and the successor adds the restart that made it when it
 * hears COMMIT. A scrape of whichever generation serves thus sees every restart so far; the counts start from 0
 * only when the line starts (a cold start, or a stop and start).
 *
 * <pre>{@code
 * RestartHistory history = restarter.getHistory();
 * long committed = history.committed();
 * Duration total = history.committedTime();
 * }</pre>
 */
public final class RestartHistory
{
    /** Environment variable that carries the history to a successor. */
    public static final String ENV = "NSERV_RESTARTS";
    private static final Logger LOG = LoggerFactory.getLogger(RestartHistory.class);

    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong rolledBack = new AtomicLong();
    private final AtomicLong committedNanos = new AtomicLong();
    private final AtomicLong rolledBackNanos = new AtomicLong();
    private final long inheritedStartMillis;

    /** An empty history: the first generation of a line. */
    public RestartHistory()
    {
        inheritedStartMillis = -1;
    }

    private RestartHistory(long committed, long rolledBack, long committedNanos, long rolledBackNanos, long startMillis)
    {
        this.committed.set(committed);
        this.rolledBack.set(rolledBack);
        this.committedNanos.set(committedNanos);
        this.rolledBackNanos.set(rolledBackNanos);
        inheritedStartMillis = startMillis;
    }

    /**
     * Reads the history a predecessor passed in the environment; an absent value is an empty history, and a
     * malformed one is logged and read as empty (the counts are for monitoring: they must not stop a successor).
     * @param env this process's environment
     * @return the inherited history
     */
    static RestartHistory inherited(Map<String, String> env)
    {
        String value = env.get(ENV);
        if (value == null || value.isBlank())
            return new RestartHistory();
        try
        {
            String[] parts = value.trim().split(",");
            if (parts.length != 5)
                throw new NumberFormatException("5 comma-separated numbers expected");
            long[] numbers = new long[5];
            for (int i = 0; i < 5; i++)
            {
                numbers[i] = Long.parseLong(parts[i]);
                if (numbers[i] < 0)
                    throw new NumberFormatException("negative: " + parts[i]);
            }
            return new RestartHistory(numbers[0], numbers[1], numbers[2], numbers[3], numbers[4]);
        }
        catch (NumberFormatException x)
        {
            LOG.warn("{}='{}' is not a restart history ({}); restart counts start from 0", ENV, value, x.getMessage());
            return new RestartHistory();
        }
    }

    /**
     * Puts this history, and the moment the restart under way began, into a successor's environment.
     * @param env the successor's environment, modified
     * @param startMillis when the restart began, epoch milliseconds
     */
    void passTo(Map<String, String> env, long startMillis)
    {
        env.put(ENV, committed.get() + "," + rolledBack.get() + "," + committedNanos.get() + "," + rolledBackNanos.get() + "," + startMillis);
    }

    /**
     * In a successor that heard COMMIT: counts the restart that made it, timed from the moment its predecessor
     * began it. Does nothing in a process that was not started by a restart.
     */
    void successorCommitted()
    {
        if (inheritedStartMillis > 0)
            recordCommitted(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - inheritedStartMillis)));
    }

    void recordCommitted(Duration took)
    {
        committedNanos.addAndGet(took.toNanos());
        committed.incrementAndGet();
    }

    void recordRolledBack(Duration took)
    {
        rolledBackNanos.addAndGet(took.toNanos());
        rolledBack.incrementAndGet();
    }

    /**
     * @return restarts committed: a successor took over
     */
    public long committed()
    {
        return committed.get();
    }

    /**
     * @return restarts that failed after they began and left this generation serving
     */
    public long rolledBack()
    {
        return rolledBack.get();
    }

    /**
     * @return the time of all committed restarts, each from its start to the successor's commit
     */
    public Duration committedTime()
    {
        return Duration.ofNanos(committedNanos.get());
    }

    /**
     * @return the time of all rolled-back restarts, each from its start to the roll back
     */
    public Duration rolledBackTime()
    {
        return Duration.ofNanos(rolledBackNanos.get());
    }
}
