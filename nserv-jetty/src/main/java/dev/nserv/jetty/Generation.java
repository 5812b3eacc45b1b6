package dev.nserv.jetty;

import java.util.Map;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;

/**
 * The generation number -- 1 for the first process, one more per restart -- and every place it travels: the
 * environment variable a successor inherits, the system property webapps can read while they initialise, and the
 * context attribute set once they have deployed. All three names are defined here and nowhere else.
 *
 * <pre>{@code
 * int generation = Generation.inherited();          // NSERV_GENERATION, else 1
 * Generation.passTo(successorEnv, generation + 1);  // before a successor starts
 * }</pre>
 */
public final class Generation
{
    /** Environment variable that carries the generation number to a successor process. */
    public static final String ENV = "NSERV_GENERATION";
    /** System property with the generation number, for webapps that read it while they initialise. */
    public static final String PROPERTY = "nserv.generation";
    /** Context attribute holding the generation number, for webapps. */
    public static final String ATTRIBUTE = "dev.nserv.generation";

    private Generation()
    {
    }

    /**
     * Reads the generation this process was started with.
     * @return the value of {@value #ENV}, else 1
     * @throws IllegalArgumentException when the variable is set but not a positive integer
     */
    public static int inherited()
    {
        return parse(ProcessEnvironment.get().get(ENV));
    }

    static int parse(String value)
    {
        if (value == null || value.isBlank())
            return 1;
        try
        {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= 1)
                return parsed;
        }
        catch (NumberFormatException ignored)
        {
            // reported below
        }
        throw new IllegalArgumentException(ENV + " must be a positive integer, was '" + value + "'");
    }

    /**
     * Puts the generation into a successor's environment.
     * @param env the successor's environment, modified
     * @param generation the successor's generation
     */
    public static void passTo(Map<String, String> env, int generation)
    {
        env.put(ENV, Integer.toString(generation));
    }

    /**
     * Sets the system property {@value #PROPERTY}; before the webapps initialise.
     * @param generation this process's generation
     */
    public static void publishProperty(int generation)
    {
        System.setProperty(PROPERTY, Integer.toString(generation));
    }

    /**
     * Sets the context attribute {@value #ATTRIBUTE} on every context of the server; after they deployed.
     * @param server the started server
     * @param generation this process's generation
     */
    public static void publishAttribute(Server server, int generation)
    {
        for (ContextHandler context : server.getDescendants(ContextHandler.class))
            context.setAttribute(ATTRIBUTE, generation);
    }
}
