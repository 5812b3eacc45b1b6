package dev.nserv.jetty.handoff;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Gives a successor a metaspace threshold that fits the metadata of this generation. A JVM collects garbage the
 * first time its class metadata passes {@code -XX:MetaspaceSize} (about 21 MB by default), and a server with
 * Jetty, Jasper and a webapp passes it while it starts -- measured on the demo WAR, a G1 pause of 13-29 ms plus a
 * concurrent cycle within 0.15 s of a successor's READY, i.e. in its first moments of serving. That collection frees
 * nothing (the classes are in use), so successors started from this process's own command line get
 * {@code -XX:MetaspaceSize=} a quarter above this generation's committed metaspace, unless the command line or
 * {@code JDK_JAVA_OPTIONS}/{@code JAVA_TOOL_OPTIONS} set it (then it is left as it is, also the value a previous
 * generation added: the first measurement, after a full start, stays).
 *
 * <pre>{@code
 * List<String> command = MetaspaceSizing.ownCommand(SuccessorOpens.ownCommand(CurrentCommand.get()), System.getenv());
 * }</pre>
 */
final class MetaspaceSizing
{
    static final String OPTION = "-XX:MetaspaceSize=";
    /** The JVM's default threshold on 64-bit Linux, rounded down: below it there is nothing to gain. */
    private static final long DEFAULT_BYTES = 20L << 20;

    private MetaspaceSizing()
    {
    }

    /**
     * @param command this process's own command line for a successor, program first
     * @param env the successor's environment
     * @return the same, with the option after a java program when nothing sets it
     */
    static List<String> ownCommand(List<String> command, Map<String, String> env)
    {
        return ownCommand(command, env, committedMetaspace());
    }

    static List<String> ownCommand(List<String> command, Map<String, String> env, long committed)
    {
        if (command.isEmpty() || !SuccessorOpens.isJava(command.get(0)) || setsIt(command, env))
            return command;
        long megabytes = (committed + committed / 4 + (1 << 20) - 1) >> 20;
        if (megabytes << 20 <= DEFAULT_BYTES)
            return command;
        List<String> with = new ArrayList<>(command);
        with.add(1, OPTION + megabytes + "m");
        return with;
    }

    private static boolean setsIt(List<String> command, Map<String, String> env)
    {
        for (int i = 1; i < command.size(); i++)
        {
            if (command.get(i).equals("-jar"))
                break; // the program's own arguments follow
            if (command.get(i).startsWith(OPTION))
                return true;
        }
        for (String variable : List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS"))
        {
            if (env.getOrDefault(variable, "").contains(OPTION))
                return true;
        }
        return false;
    }

    /**
     * @return the committed bytes of this JVM's metaspace (class space included), 0 when unknown
     */
    static long committedMetaspace()
    {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans())
        {
            if (pool.getName().equals("Metaspace"))
                return pool.getUsage().getCommitted();
        }
        return 0;
    }
}
