package dev.nserv.filter;

import java.util.Locale;

/**
 * Whether, and how, a {@link Limiter} moves its limit by itself between its minimum and maximum. Each mode
 * builds its own algorithm from the settings ({@link #create}), so the limiter needs no switch over the modes.
 */
public enum AdaptiveMode
{
    /** The limit changes only when set (init-param, JMX, {@link Limiter#setLimit(int)}). */
    NONE
    {
        @Override
        LimitAlgorithm create(ConcurrencyLimitSettings settings)
        {
            return new FixedLimit();
        }
    },
    /** Additive increase, multiplicative decrease: see {@link AimdLimit}. */
    AIMD
    {
        @Override
        LimitAlgorithm create(ConcurrencyLimitSettings settings)
        {
            return new AimdLimit(settings.getMinLimit(), settings.getMaxLimit(), settings.getAimdBackoff(), settings.getLatencyThresholdMillis());
        }
    },
    /** Latency gradient: see {@link GradientLimit}. */
    GRADIENT
    {
        @Override
        LimitAlgorithm create(ConcurrencyLimitSettings settings)
        {
            return new GradientLimit(settings.getLimit(), settings.getMinLimit(), settings.getMaxLimit());
        }
    };

    /**
     * Builds this mode's algorithm; the algorithm checks its own bounds and parameters.
     * @throws IllegalArgumentException if the settings do not suit the algorithm
     */
    abstract LimitAlgorithm create(ConcurrencyLimitSettings settings);

    /**
     * Parses the lower-case name used in init-params ({@code none}, {@code aimd}, {@code gradient}).
     * @param value the name, case-insensitive
     * @return the mode
     * @throws IllegalArgumentException if the name is none of the three
     */
    public static AdaptiveMode parse(String value)
    {
        String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        for (AdaptiveMode mode : values())
        {
            if (mode.name().equals(v))
                return mode;
        }
        throw new IllegalArgumentException("unknown adaptive mode '" + value + "': use none, aimd or gradient");
    }

    /** @return the lower-case name used in init-params and JMX */
    public String id()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
