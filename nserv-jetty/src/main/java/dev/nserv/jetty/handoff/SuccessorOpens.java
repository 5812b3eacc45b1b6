package dev.nserv.jetty.handoff;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.nserv.jetty.sockets.SocketFds;

/**
 * Gives a successor the {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} that adopting the handed-off sockets
 * needs, when this JVM was started without it (jetty-home's {@code java -jar start.jar}): this generation finds its
 * listeners' fds without the opens, but the successor must wrap fds in channels.
 *
 * <p>When the successor runs this process's own command line and its program is a {@code java} launcher, the option
 * goes right after it, so the successor's command line shows it and passes it on to later generations. Otherwise (a
 * successor command, e.g. a script that runs java) it is appended to {@code JDK_JAVA_OPTIONS}, which every
 * {@code java} launcher reads; the launcher then prints one {@code NOTE: Picked up JDK_JAVA_OPTIONS} line on stderr,
 * which is why the command line is preferred. Nothing changes when this JVM has the opens (nserv.jar's manifest).</p>
 */
final class SuccessorOpens
{
    static final String JAVA_OPTIONS = "JDK_JAVA_OPTIONS";

    private SuccessorOpens()
    {
    }

    /**
     * @param command this process's own command line, program first
     * @return the same, with the opens after a java program when this JVM lacks them
     */
    static List<String> ownCommand(List<String> command)
    {
        if (SocketFds.canWrapFds() || command.isEmpty() || !isJava(command.get(0)) || hasOpens(command))
            return command;
        List<String> with = new ArrayList<>(command);
        with.add(1, SocketFds.ADD_OPENS_ARGUMENT);
        return with;
    }

    /**
     * Appends the opens to the successor's {@code JDK_JAVA_OPTIONS} when this JVM lacks them and the command does not
     * carry them.
     * @param command the successor's command
     * @param env the successor's environment, changed in place
     */
    static void environment(List<String> command, Map<String, String> env)
    {
        if (SocketFds.canWrapFds() || hasOpens(command))
            return;
        String options = env.getOrDefault(JAVA_OPTIONS, "").trim();
        if (options.contains(SocketFds.ADD_OPENS_ARGUMENT))
            return;
        env.put(JAVA_OPTIONS, options.isEmpty() ? SocketFds.ADD_OPENS_ARGUMENT : options + " " + SocketFds.ADD_OPENS_ARGUMENT);
    }

    static boolean isJava(String program)
    {
        Path name = Path.of(program).getFileName();
        return name != null && name.toString().equals("java");
    }

    private static boolean hasOpens(List<String> command)
    {
        for (int i = 1; i < command.size(); i++)
        {
            String arg = command.get(i);
            if (arg.equals(SocketFds.ADD_OPENS_ARGUMENT))
                return true;
            if (arg.equals("--add-opens") && i + 1 < command.size() && command.get(i + 1).equals("java.base/sun.nio.ch=ALL-UNNAMED"))
                return true;
            if (arg.equals("-jar"))
                return false; // the program's own arguments follow
        }
        return false;
    }
}
