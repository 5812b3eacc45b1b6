package dev.nserv.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A permit goes back exactly once, whichever of succeeded, dropped or ignored comes first, and from any thread. */
class PermitTest
{
    private final ExecutorService executor = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() throws InterruptedException
    {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static Limiter aimd()
    {
        return new Limiter("permit", new ConcurrencyLimitSettings().setLimit(4).setAdaptive(AdaptiveMode.AIMD).setMinLimit(1).setMaxLimit(10)
            .setAimdBackoff(0.5).setLatencyThresholdMillis(60_000));
    }

    @Test
    void theFirstReportWinsAndTheOthersAreNoOps()
    {
        List<Predicate<Permit>> reports = List.of(Permit::succeeded, Permit::dropped, Permit::ignored);
        for (Predicate<Permit> first : reports)
        {
            Limiter limiter = aimd();
            Permit permit = limiter.acquire();
            assertThat(permit.isReleased()).isFalse();
            assertThat(first.test(permit)).isTrue();
            assertThat(permit.isReleased()).isTrue();
            int limitAfterFirst = limiter.getLimit();
            for (Predicate<Permit> later : reports)
                assertThat(later.test(permit)).as("released already").isFalse();
            assertThat(limiter.getInFlight()).isZero();
            assertThat(limiter.getLimit()).as("a later report feeds no second sample").isEqualTo(limitAfterFirst);
        }
    }

    @Test
    void droppedBacksOffSucceededCountsIgnoredLeavesTheLimitAlone()
    {
        Limiter limiter = aimd();
        Permit a = limiter.acquire();
        Permit b = limiter.acquire();
        Permit c = limiter.acquire();
        assertThat(c.ignored()).isTrue();
        assertThat(limiter.getLimit()).as("ignored: no sample").isEqualTo(4);
        assertThat(b.succeeded()).isTrue();
        assertThat(limiter.getLimit()).as("succeeded with 2 of 4 in use: grows").isEqualTo(5);
        assertThat(a.dropped()).isTrue();
        assertThat(limiter.getLimit()).as("dropped: halves").isEqualTo(2);
        assertThat(limiter.getInFlight()).isZero();
    }

    @Test
    void racingReportsFromManyThreadsReleaseOnce() throws Exception
    {
        Limiter limiter = new Limiter("permit-race", new ConcurrencyLimitSettings().setLimit(1000));
        for (int round = 0; round < 200; round++)
        {
            Permit held = limiter.acquire();
            Permit permit = limiter.acquire();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> reports = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                int kind = t % 3;
                reports.add(executor.submit(() ->
                {
                    go.await();
                    return kind == 0 ? permit.succeeded() : kind == 1 ? permit.dropped() : permit.ignored();
                }));
            }
            go.countDown();
            int released = 0;
            for (Future<Boolean> report : reports)
                released += report.get(10, TimeUnit.SECONDS) ? 1 : 0;
            assertThat(released).as("exactly one report releases").isEqualTo(1);
            assertThat(limiter.getInFlight()).as("only this permit went back").isEqualTo(1);
            assertThat(held.succeeded()).isTrue();
            assertThat(limiter.getInFlight()).isZero();
        }
    }

    @Test
    void aDoubleReportNeverHandsAWaiterASecondPermit() throws Exception
    {
        Limiter limiter = new Limiter("permit-queue", new ConcurrencyLimitSettings().setLimit(1).setPolicy(QueuePolicy.FIFO).setQueueTimeoutMillis(30_000));
        Permit held = limiter.acquire();
        Future<Permit> first = executor.submit(limiter::acquire);
        org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> limiter.getQueued() == 1);
        Future<Permit> second = executor.submit(limiter::acquire);
        org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> limiter.getQueued() == 2);
        assertThat(held.dropped()).isTrue();
        assertThat(held.succeeded()).isFalse();
        Permit admitted = first.get(5, TimeUnit.SECONDS);
        assertThat(admitted).isNotNull();
        org.awaitility.Awaitility.await().during(200, TimeUnit.MILLISECONDS).atMost(5, TimeUnit.SECONDS)
            .until(() -> limiter.getQueued() == 1 && limiter.getInFlight() == 1);
        assertThat(admitted.succeeded()).isTrue();
        second.get(5, TimeUnit.SECONDS).succeeded();
        assertThat(limiter.getInFlight()).isZero();
    }
}
