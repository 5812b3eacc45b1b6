package dev.nserv.jetty.warmup;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Lets the garbage collector run once more before a successor reports READY, so that the garbage of its start and
 * warm-up is not collected in its first moments of serving. Measured with {@code -Xlog:gc} (G1, Java 17, demo WAR,
 * 2 cores): the first young collection after READY came 0.12-0.15 s after it in two of three successors, a 15 ms
 * pause in the quarter second whose maximum was 19-31 ms; the successor without one had a maximum of 8 ms.
 * <p>
 * There is no call for "a young collection" ({@link System#gc()} is a full one, and G1 then shrinks the heap: tried,
 * it made the first seconds worse), so this fills the rest of the young generation with short-lived arrays until any
 * collector's count goes up, at most {@link #MAX_BYTES} and {@link #MAX_TIME} (a young generation with more room
 * than that is left as it is; a collection then comes late anyway).
 *
 * <pre>{@code
 * YoungCollection.Result result = YoungCollection.run(deadline);
 * }</pre>
 */
final class YoungCollection
{
    static final long MAX_BYTES = 64L << 20;
    static final Duration MAX_TIME = Duration.ofMillis(200);
    private static final int CHUNK = 64 * 1024;

    /** Written so that the allocations cannot be optimised away. */
    @SuppressWarnings("unused")
    private static volatile byte[] sink;

    private YoungCollection()
    {
    }

    /**
     * What {@link #run} did.
     * @param collected whether a collection ran
     * @param allocatedBytes the garbage it allocated
     * @param millis how long it took, the collection included
     */
    record Result(boolean collected, long allocatedBytes, long millis)
    {
        @Override
        public String toString()
        {
            return (collected ? "a collection after " : "no collection after ") + (allocatedBytes >> 20) + " MB of garbage in " + millis + " ms";
        }
    }

    /**
     * @param deadline it stops before this moment too
     * @return what it did
     */
    static Result run(Instant deadline)
    {
        List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        long began = System.nanoTime();
        long before = collections(collectors);
        long stop = began + Math.min(MAX_TIME.toNanos(), Math.max(0, Duration.between(Instant.now(), deadline).toNanos()));
        long allocated = 0;
        boolean collected = false;
        while (allocated < MAX_BYTES && System.nanoTime() < stop)
        {
            for (int i = 0; i < 16; i++)
                sink = new byte[CHUNK];
            allocated += 16L * CHUNK;
            if (collections(collectors) != before)
            {
                collected = true;
                break;
            }
        }
        sink = null;
        return new Result(collected, allocated, (System.nanoTime() - began) / 1_000_000);
    }

    private static long collections(List<GarbageCollectorMXBean> collectors)
    {
        long sum = 0;
        for (GarbageCollectorMXBean collector : collectors)
            sum += Math.max(0, collector.getCollectionCount());
        return sum;
    }
}
