package dev.nserv.filter;

/**
 * A limit that moves only when it is set (init-param, JMX, {@link Limiter#setLimit(int)}): adaptive mode
 * {@code none}. Any limit from 0 (reject everything, for maintenance) upwards is accepted.
 */
final class FixedLimit extends LimitAlgorithm
{
    FixedLimit()
    {
        super(0, Integer.MAX_VALUE);
    }

    @Override
    boolean isAdaptive()
    {
        return false;
    }
}
