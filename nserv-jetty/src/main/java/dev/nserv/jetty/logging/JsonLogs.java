package dev.nserv.jetty.logging;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.OutputStreamAppender;
import org.apache.logging.log4j.core.config.AbstractConfiguration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;

/**
 * JSON logs: Log4j 2 with its JsonTemplateLayout behind SLF4J, one object per line with exactly the fields
 * {@code time} (ISO-8601 with offset, milliseconds), {@code level}, {@code logger}, {@code message}, {@code pid},
 * {@code generation}, {@code thread}, and {@code error} (the stack trace as one string) when the event has one.
 * Log4j does the JSON encoding (quotes, control characters and non-ASCII are escaped as JSON requires), so a line
 * is valid JSON whatever the message holds.
 * <p>
 * Log4j is configured here in code, not from a file: no configuration lookup on the class path, and the pid and
 * generation go into the template as numbers. {@link #install} must run before the first SLF4J logger exists: it
 * names Log4j's provider in {@code slf4j.provider}, which SLF4J reads once.
 *
 * <pre>{@code
 * JsonLogs.install(StandardStreams.out(), ProcessHandle.current().pid(), Generation.inherited());
 * }</pre>
 */
public final class JsonLogs
{
    /** Log4j's SLF4J 2 provider, named in {@code slf4j.provider} for JSON logs. */
    public static final String LOG4J_PROVIDER = "org.apache.logging.slf4j.SLF4JServiceProvider";
    /** Longest string value (message, stack trace), in characters; a longer one is cut and ends with {@code …}. */
    public static final int MAX_STRING_LENGTH = 65_536;

    private JsonLogs()
    {
    }

    /**
     * The event template: a JSON object whose values are Log4j resolvers, the pid and generation as literals.
     * @param pid this process's id
     * @param generation this process's nserv generation
     * @return the template
     */
    public static String eventTemplate(long pid, int generation)
    {
        return "{"
            + "\"time\":{\"$resolver\":\"timestamp\",\"pattern\":{\"format\":\"yyyy-MM-dd'T'HH:mm:ss.SSSXXX\"}},"
            + "\"level\":{\"$resolver\":\"level\",\"field\":\"name\"},"
            + "\"logger\":{\"$resolver\":\"logger\",\"field\":\"name\"},"
            + "\"message\":{\"$resolver\":\"message\",\"stringified\":true},"
            + "\"pid\":" + pid + ","
            + "\"generation\":" + generation + ","
            + "\"thread\":{\"$resolver\":\"thread\",\"field\":\"name\"},"
            + "\"error\":{\"$resolver\":\"exception\",\"field\":\"stackTrace\",\"stackTrace\":{\"stringified\":true}}"
            + "}";
    }

    /**
     * Configures Log4j to write JSON lines to {@code target} and makes it SLF4J's provider.
     * @param target where each event goes, as one {@code write} per event (e.g. {@link StandardStreams#out()})
     * @param pid this process's id
     * @param generation this process's nserv generation
     * @return the logger context, for tests that stop it
     */
    public static LoggerContext install(OutputStream target, long pid, int generation)
    {
        LoggerContext context = Configurator.initialize(JsonLogs.class.getClassLoader(), new JsonConfiguration(target, pid, generation));
        System.setProperty("slf4j.provider", LOG4J_PROVIDER);
        // SLF4J announces an explicit provider on stderr at INFO; that line would be the only one not in JSON
        if (System.getProperty("slf4j.internal.verbosity") == null)
            System.setProperty("slf4j.internal.verbosity", "WARN");
        return context;
    }

    /**
     * A logger context of its own with the JSON configuration, outside SLF4J; for tests of the layout.
     * @param target where each event goes
     * @param pid the pid field
     * @param generation the generation field
     * @return the started context; stop it when done
     */
    static LoggerContext newContext(OutputStream target, long pid, int generation)
    {
        LoggerContext context = new LoggerContext("nserv-json-" + System.nanoTime());
        context.start(new JsonConfiguration(target, pid, generation));
        return context;
    }

    /** INFO and above of every logger to one appender with the JSON layout. */
    static final class JsonConfiguration extends AbstractConfiguration
    {
        private final OutputStream target;
        private final long pid;
        private final int generation;

        JsonConfiguration(OutputStream target, long pid, int generation)
        {
            super(null, ConfigurationSource.NULL_SOURCE);
            this.target = target;
            this.pid = pid;
            this.generation = generation;
            setName("nserv-json");
        }

        @Override
        protected void doConfigure()
        {
            JsonTemplateLayout layout = JsonTemplateLayout.newBuilder()
                .setConfiguration(this)
                .setCharset(StandardCharsets.UTF_8)
                .setEventTemplate(eventTemplate(pid, generation))
                .setEventDelimiter("\n")
                .setLocationInfoEnabled(false)
                .setMaxStringLength(MAX_STRING_LENGTH)
                .build();
            Appender appender = OutputStreamAppender.newBuilder()
                .setName("nserv-json")
                .setTarget(target)
                .setLayout(layout)
                .setImmediateFlush(true)
                .build();
            appender.start();
            addAppender(appender);
            LoggerConfig root = getRootLogger();
            for (String name : root.getAppenders().keySet())
                root.removeAppender(name);
            root.addAppender(appender, null, null);
            root.setLevel(Level.INFO);
        }
    }
}
