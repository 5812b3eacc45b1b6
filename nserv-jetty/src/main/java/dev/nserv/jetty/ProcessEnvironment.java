package dev.nserv.jetty;

import java.util.Map;

/**
 * This process's environment as nserv reads it: {@link System#getenv()}, except in a standby successor, whose JVM
 * was started before the restart it serves and so cannot have the variables of that restart (the handoff socket,
 * its token, the restart history). The previous generation sends them when the restart begins, and the standby
 * puts them here ({@link #useStandbyEnvironment}) before anything reads them.
 * <p>
 * Everything in nserv that reads variables a restart sets goes through {@link #get()}.
 *
 * <pre>{@code
 * String socket = ProcessEnvironment.get().get("NSERV_HANDOFF_SOCKET");
 * }</pre>
 */
public final class ProcessEnvironment
{
    /** Environment variable that makes a successor a standby ({@code 1}): it waits on stdin for its restart. */
    public static final String STANDBY_ENV = "NSERV_STANDBY";

    private static volatile Map<String, String> environment;

    private ProcessEnvironment()
    {
    }

    /**
     * @return the environment, unmodifiable
     */
    public static Map<String, String> get()
    {
        Map<String, String> env = environment;
        return env != null ? env : System.getenv();
    }

    /**
     * @return whether this process is a standby that has not been given its restart yet
     */
    public static boolean isStandby()
    {
        return "1".equals(get().get(STANDBY_ENV));
    }

    /**
     * Replaces the environment with the one a standby's restart brought.
     * @param env the complete environment of the restart
     */
    public static void useStandbyEnvironment(Map<String, String> env)
    {
        environment = Map.copyOf(env);
    }
}
