package dev.nserv.filter;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each algorithm owns its range: it rejects bad bounds, refuses limits outside them, and never leaves them. */
class LimitAlgorithmTest
{
    private static final long FAST = 1_000_000;
    private static final long SLOW = 10_000_000_000L;

    @Test
    void fixedAcceptsEveryLimitFromZeroAndNeverMoves()
    {
        FixedLimit fixed = new FixedLimit();
        assertThat(fixed.isAdaptive()).isFalse();
        assertThat(fixed.getMinLimit()).isZero();
        assertThat(fixed.getMaxLimit()).isEqualTo(Integer.MAX_VALUE);
        fixed.check(0);
        fixed.check(Integer.MAX_VALUE);
        assertThatThrownBy(() -> fixed.check(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit -1 is negative");
        assertThat(fixed.update(7, SLOW, 7, true)).isEqualTo(7);
        assertThat(fixed.update(7, FAST, 7, false)).isEqualTo(7);
    }

    @Test
    void aimdValidatesItsBounds()
    {
        assertThatThrownBy(() -> new AimdLimit(0, 10, 0.5, 100)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AIMD min limit 0");
        assertThatThrownBy(() -> new AimdLimit(5, 4, 0.5, 100)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("min limit 5 is above max limit 4");
        assertThatThrownBy(() -> new AimdLimit(1, 10, 1.0, 100)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoff 1.0");
        assertThatThrownBy(() -> new AimdLimit(1, 10, 0.5, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threshold 0 ms");
        AimdLimit aimd = new AimdLimit(2, 10, 0.5, 100);
        assertThat(aimd.isAdaptive()).isTrue();
        assertThat(aimd.getMinLimit()).isEqualTo(2);
        assertThat(aimd.getMaxLimit()).isEqualTo(10);
        aimd.check(2);
        aimd.check(10);
        assertThatThrownBy(() -> aimd.check(1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between min limit 2 and max limit 10");
        assertThatThrownBy(() -> aimd.check(11)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between min limit 2 and max limit 10");
        assertThatThrownBy(() -> aimd.check(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    }

    @Test
    void aimdStaysWithinItsBounds()
    {
        AimdLimit aimd = new AimdLimit(2, 10, 0.5, 100);
        int limit = 4;
        for (int i = 0; i < 50; i++)
            limit = aimd.update(limit, FAST, limit, false);
        assertThat(limit).as("grows while fully used, up to the max").isEqualTo(10);
        assertThat(aimd.update(limit, SLOW, 1, false)).as("a slow request backs off").isEqualTo(5);
        for (int i = 0; i < 50; i++)
            limit = aimd.update(limit, FAST, 1, true);
        assertThat(limit).as("drops shrink it down to the min").isEqualTo(2);
        assertThat(aimd.update(3, FAST, 1, false)).as("under half used: no growth").isEqualTo(3);
        AimdLimit huge = new AimdLimit(1, Integer.MAX_VALUE, 0.9, 100);
        assertThat(huge.update(Integer.MAX_VALUE, FAST, Integer.MAX_VALUE, false)).as("no overflow at the top").isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void gradientValidatesItsBounds()
    {
        assertThatThrownBy(() -> new GradientLimit(5, 0, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gradient min limit 0");
        assertThatThrownBy(() -> new GradientLimit(5, 6, 5)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("min limit 6 is above max limit 5");
        assertThatThrownBy(() -> new GradientLimit(11, 1, 10)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("limit 11 must lie between min limit 1 and max limit 10");
        GradientLimit gradient = new GradientLimit(5, 3, 8);
        assertThat(gradient.isAdaptive()).isTrue();
        assertThat(gradient.getMinLimit()).isEqualTo(3);
        assertThat(gradient.getMaxLimit()).isEqualTo(8);
        assertThatThrownBy(() -> gradient.check(9)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between min limit 3 and max limit 8");
    }

    @Test
    void gradientStaysWithinItsBoundsAndItsEstimateDoesNotRunAway()
    {
        GradientLimit gradient = new GradientLimit(5, 3, 8);
        int limit = 5;
        for (int i = 0; i < 500; i++)
            limit = gradient.update(limit, FAST, limit, false);
        assertThat(limit).as("steady latency, fully used: at the max").isEqualTo(8);
        // had the estimate grown past the max, a drop would not bring the limit below it at once
        limit = gradient.update(limit, FAST, limit, true);
        assertThat(limit).as("the first drop already moves it down from the max").isLessThan(8);
        for (int i = 0; i < 500; i++)
            limit = gradient.update(limit, FAST, limit, true);
        assertThat(limit).as("drops shrink it down to the min").isEqualTo(3);
        limit = gradient.update(limit, FAST, limit, false);
        assertThat(limit).as("and it grows again from the min at once").isGreaterThanOrEqualTo(3).isLessThanOrEqualTo(8);
        gradient.limitSet(6);
        assertThat(gradient.update(6, FAST, 1, false)).as("a set limit restarts the estimate; under half used it does not grow").isEqualTo(6);
    }

    @Test
    void eachAdaptiveModeBuildsItsOwnAlgorithmFromTheSettings()
    {
        ConcurrencyLimitSettings settings = new ConcurrencyLimitSettings().setLimit(5).setMinLimit(2).setMaxLimit(9).setAimdBackoff(0.5)
            .setLatencyThresholdMillis(100);
        assertThat(AdaptiveMode.NONE.create(settings)).isInstanceOf(FixedLimit.class);
        LimitAlgorithm aimd = AdaptiveMode.AIMD.create(settings);
        assertThat(aimd).isInstanceOf(AimdLimit.class);
        assertThat(aimd.getMinLimit()).isEqualTo(2);
        assertThat(aimd.getMaxLimit()).isEqualTo(9);
        LimitAlgorithm gradient = AdaptiveMode.GRADIENT.create(settings);
        assertThat(gradient).isInstanceOf(GradientLimit.class);
        assertThat(gradient.getMinLimit()).isEqualTo(2);
        assertThat(gradient.getMaxLimit()).isEqualTo(9);
    }

    @Test
    void aLimiterTakesItsRangeFromTheAlgorithm()
    {
        Limiter fixed = new Limiter("range-fixed", new ConcurrencyLimitSettings().setLimit(5));
        fixed.setLimit(100_000);
        assertThat(fixed.getLimit()).isEqualTo(100_000);
        assertThat(new ConcurrencyLimitJmx(fixed).getMinLimit()).as("not adaptive: shown as 0").isZero();
        assertThat(new ConcurrencyLimitJmx(fixed).getMaxLimit()).isZero();
        Limiter gradient = new Limiter("range-gradient", new ConcurrencyLimitSettings().setLimit(5).setAdaptive(AdaptiveMode.GRADIENT).setMinLimit(3)
            .setMaxLimit(8));
        assertThatThrownBy(() -> gradient.setLimit(9)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max limit 8");
        assertThat(new ConcurrencyLimitJmx(gradient).getMinLimit()).isEqualTo(3);
        assertThat(new ConcurrencyLimitJmx(gradient).getMaxLimit()).isEqualTo(8);
        for (int i = 0; i < 200; i++)
            gradient.acquire().succeeded();
        assertThat(gradient.getLimit()).isBetween(3, 8);
    }
}
