package dev.nserv.jetty.warmup;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class YoungCollectionTest
{
    @Test
    void stopsAtItsBoundsAndReportsWhetherTheCollectorRan()
    {
        long began = System.nanoTime();
        YoungCollection.Result result = YoungCollection.run(Instant.now().plusSeconds(60));
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        assertThat(result.allocatedBytes()).isPositive().isLessThanOrEqualTo(YoungCollection.MAX_BYTES);
        // either the collector ran, or it gave up at one of its bounds
        if (!result.collected())
            assertThat(result.allocatedBytes() == YoungCollection.MAX_BYTES || result.millis() >= YoungCollection.MAX_TIME.toMillis()).isTrue();
        assertThat(tookMs).as("generous sanity bound").isLessThan(YoungCollection.MAX_TIME.toMillis() + 2_000);
        assertThat(result.toString()).matches("(a|no) collection after \\d+ MB of garbage in \\d+ ms");
    }

    @Test
    void aDeadlineThatHasPassedAllocatesNothing()
    {
        YoungCollection.Result result = YoungCollection.run(Instant.now().minus(Duration.ofSeconds(1)));
        assertThat(result.collected()).isFalse();
        assertThat(result.allocatedBytes()).isZero();
    }
}
