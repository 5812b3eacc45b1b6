package dev.nserv.filter;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The queue on its own, with a counter standing in for the limiter's room. */
class WaitQueueTest
{
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final AtomicInteger room = new AtomicInteger();

    @AfterEach
    void stop() throws InterruptedException
    {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private boolean take()
    {
        return room.getAndUpdate(r -> r > 0 ? r - 1 : r) > 0;
    }

    @Test
    void validatesItsSettings()
    {
        assertThatThrownBy(() -> new WaitQueue(QueuePolicy.REJECT, 1, 1, this::take)).hasMessageContaining("policy reject does not queue");
        assertThatThrownBy(() -> new WaitQueue(QueuePolicy.FIFO, 0, 1, this::take)).hasMessageContaining("queue size 0");
        assertThatThrownBy(() -> new WaitQueue(QueuePolicy.LIFO, 1, 0, this::take)).hasMessageContaining("queue timeout 0 ms");
    }

    @Test
    void timesOutGrantsFreedRoomAndClosesWaiters() throws Exception
    {
        WaitQueue queue = new WaitQueue(QueuePolicy.FIFO, 2, 100, this::take);
        assertThat(queue.await()).isEqualTo(WaitQueue.Outcome.TIMED_OUT);
        assertThat(queue.isEmpty()).isTrue();

        WaitQueue longWait = new WaitQueue(QueuePolicy.FIFO, 1, 30_000, this::take);
        Future<WaitQueue.Outcome> waiter = executor.submit(longWait::await);
        await().atMost(5, TimeUnit.SECONDS).until(() -> longWait.size() == 1);
        assertThat(longWait.await()).as("full FIFO queue turns the newcomer away").isEqualTo(WaitQueue.Outcome.REJECTED);
        room.set(1);
        longWait.roomFreed();
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo(WaitQueue.Outcome.GRANTED);
        assertThat(room.get()).isZero();

        Future<WaitQueue.Outcome> closed = executor.submit(longWait::await);
        await().atMost(5, TimeUnit.SECONDS).until(() -> longWait.size() == 1);
        longWait.close();
        assertThat(closed.get(5, TimeUnit.SECONDS)).isEqualTo(WaitQueue.Outcome.REJECTED);
        assertThat(longWait.await()).isEqualTo(WaitQueue.Outcome.REJECTED);
    }
}
