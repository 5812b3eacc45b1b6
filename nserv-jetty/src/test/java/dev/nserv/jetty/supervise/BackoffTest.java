package dev.nserv.jetty.supervise;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest
{
    private static final Duration QUICK = Duration.ofSeconds(1);
    private static final Duration STABLE = Duration.ofSeconds(10);

    @Test
    void aStableRunIsReplacedAtOnce()
    {
        Backoff backoff = Backoff.standard();
        assertThat(backoff.next(STABLE)).isZero();
        assertThat(backoff.next(Duration.ofHours(3))).isZero();
        assertThat(backoff.inLoop()).isFalse();
    }

    @Test
    void aFirstEarlyDeathIsReplacedAtOnceThenTheDelayDoublesToTheMaximum()
    {
        Backoff backoff = Backoff.standard();
        assertThat(backoff.next(QUICK)).isZero();
        assertThat(backoff.inLoop()).isFalse();
        assertThat(backoff.next(QUICK)).isEqualTo(Duration.ofMillis(500));
        assertThat(backoff.inLoop()).isTrue();
        assertThat(backoff.next(QUICK)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.next(QUICK)).isEqualTo(Duration.ofSeconds(2));
        for (int i = 0; i < 10; i++)
            backoff.next(QUICK);
        assertThat(backoff.next(QUICK)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aStableRunResetsTheLoop()
    {
        Backoff backoff = Backoff.standard();
        backoff.next(QUICK);
        backoff.next(QUICK);
        backoff.next(QUICK);
        assertThat(backoff.next(STABLE)).isZero();
        assertThat(backoff.inLoop()).isFalse();
        assertThat(backoff.next(QUICK)).isZero();
        assertThat(backoff.next(QUICK)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void refusesNonsense()
    {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), STABLE)).hasMessageContaining("more than 0");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), STABLE)).hasMessageContaining("less than the initial");
    }
}
