package dev.nserv.jetty.logging;

import java.util.Locale;

/**
 * How the bundled server writes its log: {@link #TEXT}, Jetty's own line format through jetty-slf4j-impl (the
 * default, unchanged), or {@link #JSON}, one JSON object per line through Log4j's JsonTemplateLayout
 * ({@link JsonLogs#eventTemplate(long, int)} names the fields).
 *
 * <pre>{@code
 * LogFormat format = LogFormat.parse("json");   // from --log-format or the property nserv.logFormat
 * }</pre>
 */
public enum LogFormat
{
    /** {@code 2026-12-01 10:00:00.123:INFO :oejs.Server:main: Started ...} on stderr, as plain Jetty. */
    TEXT,
    /** {@code {"time":"...","level":"INFO","logger":"...","message":"...","pid":1,"generation":1,"thread":"main"}} on stdout. */
    JSON;

    /**
     * @param value {@code text} or {@code json}, in any case
     * @return the format
     * @throws IllegalArgumentException naming the value and the choices
     */
    public static LogFormat parse(String value)
    {
        String name = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        for (LogFormat format : values())
        {
            if (format.name().equals(name))
                return format;
        }
        throw new IllegalArgumentException("unknown log format '" + value + "': give text (Jetty's line format, the default) or json (one JSON object per line)");
    }

    /**
     * @return the name as written on the command line, {@code text} or {@code json}
     */
    @Override
    public String toString()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
