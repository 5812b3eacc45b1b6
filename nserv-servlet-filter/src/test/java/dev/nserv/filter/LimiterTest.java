package dev.nserv.filter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class LimiterTest
{
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws InterruptedException
    {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static Limiter limiter(ConcurrencyLimitSettings settings)
    {
        return new Limiter("test", settings);
    }

    @Test
    void admitsUpToTheLimitThenRejects()
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(2));
        Permit a = limiter.acquire();
        Permit b = limiter.acquire();
        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
        assertThat(limiter.acquire()).isNull();
        assertThat(limiter.getInFlight()).isEqualTo(2);
        assertThat(a.succeeded()).isTrue();
        assertThat(limiter.getInFlight()).isEqualTo(1);
        Permit c = limiter.acquire();
        assertThat(c).isNotNull();
        assertThat(limiter.getAccepted()).isEqualTo(3);
        assertThat(limiter.getRejected()).isEqualTo(1);
        assertThat(limiter.getTotal()).isEqualTo(4);
    }

    @Test
    void aPermitIsReleasedOnlyOnce()
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(1));
        Permit a = limiter.acquire();
        assertThat(a.succeeded()).isTrue();
        assertThat(a.dropped()).isFalse();
        assertThat(a.isReleased()).isTrue();
        assertThat(limiter.getInFlight()).isZero();
        Permit b = limiter.acquire();
        assertThat(limiter.acquire()).as("the double release must not have freed a second slot").isNull();
        b.succeeded();
    }

    @Test
    void limitZeroRejectsEverything()
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(0));
        assertThat(limiter.acquire()).isNull();
        limiter.setLimit(1);
        assertThat(limiter.acquire()).isNotNull();
    }

    private Future<Permit> waiter(Limiter limiter, int expectedQueued, List<Integer> order, int id)
    {
        Future<Permit> future = executor.submit(() ->
        {
            Permit permit = limiter.acquire();
            if (permit != null)
                order.add(id);
            return permit;
        });
        await().atMost(5, TimeUnit.SECONDS).until(() -> limiter.getQueued() == expectedQueued);
        return future;
    }

    @Test
    void fifoServesTheOldestWaiterFirst() throws Exception
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(1).setPolicy(QueuePolicy.FIFO).setQueueTimeoutMillis(30_000));
        Permit held = limiter.acquire();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Future<Permit>> futures = List.of(waiter(limiter, 1, order, 1), waiter(limiter, 2, order, 2), waiter(limiter, 3, order, 3));
        held.succeeded();
        for (Future<Permit> f : futures)
        {
            await().atMost(5, TimeUnit.SECONDS).until(() -> order.size() > futures.indexOf(f));
            futures.get(order.get(order.size() - 1) - 1).get(5, TimeUnit.SECONDS).succeeded();
        }
        assertThat(order).containsExactly(1, 2, 3);
        assertThat(limiter.getInFlight()).isZero();
        assertThat(limiter.getQueued()).isZero();
    }

    @Test
    void lifoServesTheNewestWaiterFirst() throws Exception
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(1).setPolicy(QueuePolicy.LIFO).setQueueTimeoutMillis(30_000));
        Permit held = limiter.acquire();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Future<Permit>> futures = List.of(waiter(limiter, 1, order, 1), waiter(limiter, 2, order, 2), waiter(limiter, 3, order, 3));
        held.succeeded();
        for (int i = 0; i < 3; i++)
        {
            int served = i + 1;
            await().atMost(5, TimeUnit.SECONDS).until(() -> order.size() == served);
            futures.get(order.get(i) - 1).get(5, TimeUnit.SECONDS).succeeded();
        }
        assertThat(order).containsExactly(3, 2, 1);
    }

    @Test
    void aFullQueueRejectsAtOnce() throws Exception
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(1).setPolicy(QueuePolicy.FIFO).setQueueSize(1).setQueueTimeoutMillis(30_000));
        Permit held = limiter.acquire();
        Future<Permit> queued = waiter(limiter, 1, Collections.synchronizedList(new ArrayList<>()), 1);
        assertThat(limiter.acquire()).isNull();
        assertThat(limiter.getTimedOut()).isZero();
        held.succeeded();
        queued.get(5, TimeUnit.SECONDS).succeeded();
    }

    @Test
    void aFullLifoQueuePushesOutItsOldestWaiter() throws Exception
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(1).setPolicy(QueuePolicy.LIFO).setQueueSize(2).setQueueTimeoutMillis(30_000));
        Permit held = limiter.acquire();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        Future<Permit> oldest = waiter(limiter, 1, order, 1);
        Future<Permit> middle = waiter(limiter, 2, order, 2);
        Future<Permit> newest = executor.submit(() -> limiter.acquire());
        assertThat(oldest.get(5, TimeUnit.SECONDS)).as("pushed out").isNull();
        await().atMost(5, TimeUnit.SECONDS).until(() -> limiter.getQueued() == 2);
        assertThat(limiter.getRejected()).isEqualTo(1);
        assertThat(limiter.getTimedOut()).isZero();
        held.succeeded();
        newest.get(5, TimeUnit.SECONDS).succeeded();
        middle.get(5, TimeUnit.SECONDS).succeeded();
        assertThat(limiter.getInFlight()).isZero();
    }

    @Test
    void aWaiterIsRejectedAfterTheQueueTimeout()
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(1).setPolicy(QueuePolicy.FIFO).setQueueTimeoutMillis(100));
        Permit held = limiter.acquire();
        assertThat(limiter.acquire()).isNull();
        assertThat(limiter.getTimedOut()).isEqualTo(1);
        assertThat(limiter.getQueued()).isZero();
        held.succeeded();
        assertThat(limiter.getInFlight()).isZero();
    }

    @Test
    void raisingTheLimitWakesWaitersAtOnce() throws Exception
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(1).setPolicy(QueuePolicy.FIFO).setQueueTimeoutMillis(60_000));
        Permit held = limiter.acquire();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        Future<Permit> w1 = waiter(limiter, 1, order, 1);
        Future<Permit> w2 = waiter(limiter, 2, order, 2);
        limiter.setLimit(3);
        Permit p1 = w1.get(5, TimeUnit.SECONDS);
        Permit p2 = w2.get(5, TimeUnit.SECONDS);
        assertThat(limiter.getInFlight()).isEqualTo(3);
        held.succeeded();
        p1.succeeded();
        p2.succeeded();
    }

    @Test
    void loweringTheLimitTakesEffectAsRequestsFinish()
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(3));
        Permit a = limiter.acquire();
        Permit b = limiter.acquire();
        Permit c = limiter.acquire();
        limiter.setLimit(1);
        assertThat(limiter.getInFlight()).isEqualTo(3);
        a.succeeded();
        assertThat(limiter.acquire()).isNull();
        b.succeeded();
        assertThat(limiter.acquire()).isNull();
        c.succeeded();
        assertThat(limiter.acquire()).isNotNull();
    }

    @Test
    void closeRejectsWaitersAndNewcomers() throws Exception
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(1).setPolicy(QueuePolicy.FIFO).setQueueTimeoutMillis(60_000));
        Permit held = limiter.acquire();
        Future<Permit> w = waiter(limiter, 1, Collections.synchronizedList(new ArrayList<>()), 1);
        limiter.close();
        assertThat(w.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(limiter.acquire()).isNull();
        held.succeeded();
        assertThat(limiter.getInFlight()).isZero();
    }

    @Test
    void anInterruptedWaiterIsRejectedAndKeepsItsInterrupt() throws Exception
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(1).setPolicy(QueuePolicy.FIFO).setQueueTimeoutMillis(60_000));
        Permit held = limiter.acquire();
        Future<Boolean> w = executor.submit(() -> limiter.acquire() == null && Thread.currentThread().isInterrupted());
        await().atMost(5, TimeUnit.SECONDS).until(() -> limiter.getQueued() == 1);
        w.cancel(true);
        await().atMost(5, TimeUnit.SECONDS).until(() -> limiter.getQueued() == 0);
        assertThat(limiter.getRejected()).isEqualTo(1);
        assertThat(limiter.getTimedOut()).isZero();
        held.succeeded();
    }

    @Test
    void concurrentUseNeverExceedsTheLimitAndLeavesNothingBehind() throws Exception
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(4).setPolicy(QueuePolicy.FIFO).setQueueSize(8).setQueueTimeoutMillis(50));
        java.util.concurrent.atomic.AtomicInteger holding = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger worst = new java.util.concurrent.atomic.AtomicInteger();
        List<Future<Integer>> workers = new ArrayList<>();
        for (int t = 0; t < 16; t++)
        {
            workers.add(executor.submit(() ->
            {
                int admitted = 0;
                for (int i = 0; i < 2000; i++)
                {
                    Permit permit = limiter.acquire();
                    if (permit == null)
                        continue;
                    admitted++;
                    worst.accumulateAndGet(holding.incrementAndGet(), Math::max);
                    Thread.yield();
                    holding.decrementAndGet();
                    permit.succeeded();
                }
                return admitted;
            }));
        }
        long admitted = 0;
        for (Future<Integer> worker : workers)
            admitted += worker.get(60, TimeUnit.SECONDS);
        assertThat(worst.get()).isLessThanOrEqualTo(4);
        assertThat(limiter.getInFlight()).isZero();
        assertThat(limiter.getQueued()).isZero();
        assertThat(limiter.getAccepted()).isEqualTo(admitted);
        assertThat(limiter.getTotal()).isEqualTo(16 * 2000);
    }

    @Test
    void setLimitValidates()
    {
        Limiter fixed = limiter(new ConcurrencyLimitSettings().setLimit(5));
        assertThatThrownBy(() -> fixed.setLimit(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        Limiter adaptive = limiter(new ConcurrencyLimitSettings().setLimit(5).setAdaptive(AdaptiveMode.AIMD).setMinLimit(2).setMaxLimit(10));
        assertThatThrownBy(() -> adaptive.setLimit(11)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max limit 10");
        adaptive.setLimit(10);
        assertThat(adaptive.getLimit()).isEqualTo(10);
    }

    @Test
    void aimdGrowsWhileUsedAndBacksOffOnDrops()
    {
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(4).setAdaptive(AdaptiveMode.AIMD).setMinLimit(2).setMaxLimit(6)
            .setAimdBackoff(0.5).setLatencyThresholdMillis(60_000));
        for (int i = 0; i < 10; i++)
        {
            List<Permit> permits = new ArrayList<>();
            Permit p;
            while ((p = limiter.acquire()) != null)
                permits.add(p);
            permits.forEach(permit -> permit.succeeded());
        }
        assertThat(limiter.getLimit()).as("grows to the max and stays there").isEqualTo(6);
        limiter.acquire().dropped();
        assertThat(limiter.getLimit()).isEqualTo(3);
        limiter.acquire().dropped();
        limiter.acquire().dropped();
        assertThat(limiter.getLimit()).as("never below the min").isEqualTo(2);
        // idle use (one at a time, limit 2): 1*2 >= 2 counts as used, grows
        limiter.acquire().succeeded();
        assertThat(limiter.getLimit()).isEqualTo(3);
        // one at a time with limit 3 is under half: no growth
        limiter.acquire().succeeded();
        assertThat(limiter.getLimit()).isEqualTo(3);
    }

    @Test
    void gradientShrinksWhenLatencyRisesAndStaysWithinBounds()
    {
        GradientLimit gradient = new GradientLimit(50, 10, 100);
        int limit = 50;
        for (int i = 0; i < 200; i++)
            limit = Math.max(10, Math.min(100, gradient.update(limit, 1_000_000, limit, false)));
        assertThat(limit).as("steady latency and full use: grows to the max").isEqualTo(100);
        for (int i = 0; i < 50; i++)
            limit = Math.max(10, Math.min(100, gradient.update(limit, 20_000_000, limit, false)));
        assertThat(limit).as("latency 20x its long-term level: shrinks to the min").isEqualTo(10);
        Limiter limiter = limiter(new ConcurrencyLimitSettings().setLimit(5).setAdaptive(AdaptiveMode.GRADIENT).setMinLimit(3).setMaxLimit(8));
        for (int i = 0; i < 100; i++)
            limiter.acquire().dropped();
        assertThat(limiter.getLimit()).isEqualTo(3);
    }
}
