package dev.nserv.jetty;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Unit behaviour of the connector's permits: resizing, reservations, borrowing and waking waiters.
 */
class ThrottledResizableSemaphoreTest
{
    private static final Duration AT_MOST = Duration.ofSeconds(10);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws Exception
    {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void limitBelowOneIsRefusedWithAMessageSayingSo()
    {
        assertThatThrownBy(() -> new ResizableSemaphore(0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("maxConnections must be at least 1, but was 0");
        ResizableSemaphore permits = new ResizableSemaphore(2);
        assertThatThrownBy(() -> permits.setLimit(-3))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("but was -3");
        assertThat(permits.limit()).isEqualTo(2);
    }

    @Test
    void loweringRevokesNothingAndRaisingWakesWaiters() throws Exception
    {
        ResizableSemaphore permits = new ResizableSemaphore(3);
        for (int i = 0; i < 3; i++)
            assertThat(permits.tryAcquire()).isTrue();
        permits.setLimit(1);
        assertThat(permits.held()).isEqualTo(3);

        Future<Boolean> waiter = threads.submit(() -> permits.acquire(() -> true));
        await().atMost(AT_MOST).until(() -> permits.waiting() == 1);
        permits.release();
        permits.release();
        // 1 held, limit 1: still no room.
        assertThat(permits.tryAcquire()).isFalse();
        assertThat(waiter.isDone()).isFalse();

        permits.setLimit(2);
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(permits.held()).isEqualTo(2);
        assertThat(permits.waiting()).isZero();
    }

    @Test
    void waitersGiveUpWhenWokenAndNoLongerWillingToWait() throws Exception
    {
        ResizableSemaphore permits = new ResizableSemaphore(1);
        assertThat(permits.tryAcquire()).isTrue();
        java.util.concurrent.atomic.AtomicBoolean wait = new java.util.concurrent.atomic.AtomicBoolean(true);
        Future<Boolean> waiter = threads.submit(() -> permits.reserve(wait::get));
        await().atMost(AT_MOST).until(() -> permits.waiting() == 1);
        wait.set(false);
        permits.wakeAll();
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isFalse();
        assertThat(permits.held()).isEqualTo(1);
    }

    @Test
    void anAcceptedClientTakesAReservedSlotAndTheReservationIsGivenBackWhenRedeemed()
    {
        ResizableSemaphore permits = new ResizableSemaphore(2);
        // Two acceptors reserve both slots before blocking in accept().
        assertThat(reserveNow(permits)).isTrue();
        assertThat(reserveNow(permits)).isTrue();
        assertThat(permits.held()).isEqualTo(2);
        assertThat(reserveNow(permits)).isFalse();

        // One acceptor's client arrives: its reservation becomes the connection's permit.
        assertThat(permits.redeem()).isTrue();
        // A client accepted without a reservation does not wait for the other acceptor's reserved slot.
        assertThat(permits.tryAcquire()).isTrue();
        assertThat(permits.held() - permits.reserved()).isEqualTo(2);
        // A third connection would exceed the limit.
        assertThat(permits.tryAcquire()).isFalse();

        // The other acceptor's client arrives: there is no room left, so the reservation is given back.
        assertThat(permits.redeem()).isFalse();
        assertThat(permits.held()).isEqualTo(2);
        assertThat(permits.reserved()).isZero();

        permits.release();
        permits.release();
        assertThat(permits.held()).isZero();
        assertThatThrownBy(permits::release).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aReservationRedeemedAfterTheLimitWasLoweredIsGivenBack()
    {
        ResizableSemaphore permits = new ResizableSemaphore(3);
        assertThat(permits.tryAcquire()).isTrue();
        assertThat(reserveNow(permits)).isTrue();
        permits.setLimit(1);
        assertThat(permits.redeem()).isFalse();
        assertThat(permits.held()).isEqualTo(1);
        permits.release();
        assertThat(reserveNow(permits)).isTrue();
        assertThat(permits.redeem()).isTrue();
    }

    private static boolean reserveNow(ResizableSemaphore permits)
    {
        try
        {
            return permits.reserve(() -> false);
        }
        catch (InterruptedException x)
        {
            throw new AssertionError(x);
        }
    }
}
