package dev.nserv.jetty.launcher;

import java.time.Duration;
import java.util.Locale;

/**
 * Parses durations written the way operators write them: {@code 250ms}, {@code 30s}, {@code 2m}, {@code 1h}; a bare
 * number means seconds.
 */
public final class Durations
{
    private Durations()
    {
    }

    /**
     * @param value text such as {@code 30s}
     * @return the duration
     * @throws IllegalArgumentException naming the value when it cannot be read or is negative
     */
    public static Duration parse(String value)
    {
        String text = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        try
        {
            if (text.endsWith("ms"))
                return nonNegative(value, Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2).trim())));
            if (text.endsWith("s"))
                return nonNegative(value, Duration.ofMillis(Math.round(Double.parseDouble(text.substring(0, text.length() - 1).trim()) * 1000)));
            if (text.endsWith("m"))
                return nonNegative(value, Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1).trim()) * 60));
            if (text.endsWith("h"))
                return nonNegative(value, Duration.ofHours(Long.parseLong(text.substring(0, text.length() - 1).trim())));
            return nonNegative(value, Duration.ofMillis(Math.round(Double.parseDouble(text) * 1000)));
        }
        catch (NumberFormatException | ArithmeticException x)
        {
            throw new IllegalArgumentException("'" + value + "' is not a duration: write e.g. 500ms, 30s, 2m or 1h");
        }
    }

    /**
     * @param duration a duration
     * @return it written as {@link #parse(String)} reads it: {@code 30s}, or {@code 250ms} when not whole seconds
     */
    public static String format(Duration duration)
    {
        long ms = duration.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static Duration nonNegative(String value, Duration duration)
    {
        if (duration.isNegative())
            throw new IllegalArgumentException("'" + value + "' is negative: a duration must be 0 or more");
        return duration;
    }
}
