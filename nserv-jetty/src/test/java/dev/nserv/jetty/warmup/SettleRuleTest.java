package dev.nserv.jetty.warmup;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SettleRuleTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Feeds one window of the same latency; answers what the rule said after its last request. */
    private static boolean window(SettleRule rule, double ms)
    {
        boolean settled = false;
        for (int i = 0; i < SettleRule.WINDOW; i++)
            settled = rule.add((long)(ms * MS));
        return settled;
    }

    @Test
    void aFallingLatencyIsNotSettledAndAFlatOneIsAfterThreeWindows()
    {
        SettleRule rule = new SettleRule();
        assertThat(window(rule, 5.0)).isFalse();
        assertThat(window(rule, 2.0)).isFalse(); // beats the best by more than the tolerance
        assertThat(window(rule, 1.0)).isFalse();
        assertThat(window(rule, 1.1)).isFalse(); // calm 1
        assertThat(window(rule, 0.95)).isFalse(); // calm 2
        assertThat(window(rule, 1.05)).isTrue(); // calm 3
        assertThat(rule.add(50 * MS)).isTrue(); // stays settled
        assertThat(rule.curve()).startsWith("5.00 2.00 1.00 1.10 0.95 1.05");
    }

    @Test
    void aSlowWindowOrAMarkedImprovementStartsTheCountAgain()
    {
        SettleRule rule = new SettleRule();
        window(rule, 1.0);
        window(rule, 1.0); // calm 1
        window(rule, 1.0); // calm 2
        assertThat(window(rule, 3.0)).isFalse(); // a GC or the old generation's load: again from 0
        window(rule, 1.0); // calm 1
        window(rule, 1.0); // calm 2
        assertThat(window(rule, 0.5)).isFalse(); // the JIT still gains: again from 0
        window(rule, 0.5);
        window(rule, 0.5);
        assertThat(window(rule, 0.5)).isTrue();
    }

    @Test
    void nothingIsSettledWithinAWindow()
    {
        SettleRule rule = new SettleRule();
        for (int i = 0; i < SettleRule.WINDOW * SettleRule.PATIENCE; i++)
            assertThat(rule.add(MS)).isFalse();
        assertThat(rule.curve()).isEqualTo("1.00 1.00 1.00");
    }
}
