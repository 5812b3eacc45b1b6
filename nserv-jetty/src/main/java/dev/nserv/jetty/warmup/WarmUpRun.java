package dev.nserv.jetty.warmup;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.session.SessionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One warm-up's request loop and its state: sends the plan round after round, one request at a time, and stops at
 * the count, at the time bound or ready deadline, once the latency has settled ({@link SettleRule}) or at the first
 * failure when failures are fatal. Every other round goes over the private socket when there is one. Each failing
 * request is logged once.
 *
 * <pre>{@code
 * WarmUpRun run = new WarmUpRun(warmUp, plan, perPath * plan.size(), endNanos, deadlineFirst, sessions);
 * run.work(local, socket);
 * String why = run.stoppedBy();
 * }</pre>
 */
final class WarmUpRun
{
    // logs as WarmUp: the log lines and their logger stay those of the bean users configure
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);
    private static final long REQUEST_TIMEOUT_MS = 10_000;

    private final WarmUp owner;
    private final List<WarmUpPlan.Target> plan;
    private final int total;
    private final long endNanos;
    private final boolean deadlineFirst;
    private final List<SessionManager> sessions;
    private final Map<WarmUpPlan.Target, String> failures = new LinkedHashMap<>();
    private final SettleRule settle = new SettleRule();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicReference<String> stop = new AtomicReference<>();
    private volatile String fatal;

    /**
     * @param owner the bean, read on every request for its settle and fail-rollback switches
     * @param total requests to send at most, over all paths
     * @param endNanos the {@link System#nanoTime()} at which the run stops
     * @param deadlineFirst whether {@code endNanos} is the ready deadline rather than the warm-up's own time bound
     * @param sessions the server's session managers
     */
    WarmUpRun(WarmUp owner, List<WarmUpPlan.Target> plan, int total, long endNanos, boolean deadlineFirst, List<SessionManager> sessions)
    {
        this.owner = owner;
        this.plan = plan;
        this.total = total;
        this.endNanos = endNanos;
        this.deadlineFirst = deadlineFirst;
        this.sessions = sessions;
    }

    int sent()
    {
        return sent.get();
    }

    int failed()
    {
        return failed.get();
    }

    /** @return the failure that stops the generation when failures are fatal, or null */
    String fatal()
    {
        return fatal;
    }

    SettleRule settle()
    {
        return settle;
    }

    String stoppedBy()
    {
        String why = stop.get();
        return why == null ? "count" : why;
    }

    void fail(String message)
    {
        failed.incrementAndGet();
        fatal = message;
        stop.compareAndSet(null, "failure");
    }

    /**
     * Sends the requests until one of the bounds stops it.
     * @param local the started in-process connector
     * @param socket the private socket connector, or null to go in-process only
     */
    void work(LocalConnector local, PrivateConnector socket)
    {
        while (stop.get() == null)
        {
            int index = next.getAndIncrement();
            if (index >= total)
                return;
            long now = System.nanoTime();
            long leftNanos = endNanos - now;
            if (leftNanos <= 0)
            {
                stop.compareAndSet(null, deadlineFirst ? "ready timeout" : "time");
                return;
            }
            WarmUpPlan.Target target = plan.get(index % plan.size());
            // every other round over the private socket, when there is one: the same paths both ways
            PrivateConnector viaSocket = (index / plan.size()) % 2 == 1 ? socket : null;
            sent.incrementAndGet();
            long waitMs = Math.min(REQUEST_TIMEOUT_MS, TimeUnit.NANOSECONDS.toMillis(leftNanos) + 1);
            String failure = WarmUpExchange.send(local, viaSocket, target, sessions, waitMs);
            if (failure == null)
            {
                if (settle.add(System.nanoTime() - now) && owner.isSettle())
                    stop.compareAndSet(null, "settled");
                continue;
            }
            if (failure.equals(WarmUpExchange.NO_RESPONSE) && waitMs < REQUEST_TIMEOUT_MS)
            {
                // cut by the time bound, not failed: the webapp finishes it in the background
                stop.compareAndSet(null, deadlineFirst ? "ready timeout" : "time");
                return;
            }
            if (failure.equals(WarmUpExchange.NO_RESPONSE))
                failure = "gave no complete response within " + REQUEST_TIMEOUT_MS + " ms";
            synchronized (failures)
            {
                if (failures.putIfAbsent(target, failure) == null)
                    LOG.warn("warm-up: {} {}{}", target.request(), failure, viaSocket != null ? " (private socket)" : "");
            }
            if (owner.isFailRollback())
                fail("warm-up failed: " + target.request() + " " + failure);
            else
                failed.incrementAndGet();
        }
    }
}
