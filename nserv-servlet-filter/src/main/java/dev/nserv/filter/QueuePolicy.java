package dev.nserv.filter;

import java.util.Locale;

/**
 * What a {@link Limiter} does with a request that arrives when every permit is taken.
 */
public enum QueuePolicy
{
    /** Reject at once. */
    REJECT,
    /**
     * Wait in a bounded queue, oldest waiter served first, until a permit frees up or the wait times out. When
     * the queue is full, the newcomer is rejected.
     */
    FIFO,
    /**
     * Wait in a bounded queue, newest waiter served first: under overload the freshest requests win. When the
     * queue is full, the oldest waiter is rejected to make room for the newcomer.
     */
    LIFO;

    /**
     * Parses the lower-case name used in init-params ({@code reject}, {@code fifo}, {@code lifo}).
     * @param value the name, case-insensitive
     * @return the policy
     * @throws IllegalArgumentException if the name is none of the three
     */
    public static QueuePolicy parse(String value)
    {
        String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        for (QueuePolicy policy : values())
        {
            if (policy.name().equals(v))
                return policy;
        }
        throw new IllegalArgumentException("unknown policy '" + value + "': use reject, fifo or lifo");
    }

    /** @return the lower-case name used in init-params and JMX */
    public String id()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return true if the policy queues requests */
    public boolean queues()
    {
        return this != REJECT;
    }
}
