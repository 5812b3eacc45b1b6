package dev.nserv.jetty.handoff;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A command line as logs and JMX show it: the value of every option whose name contains {@code password} is
 * replaced by {@code ***}, whether it follows as the next argument ({@code --keystore-password s3cret}) or after an
 * equals sign ({@code --keystore-password=s3cret}).
 *
 * <pre>{@code
 * LOG.info("starting {}", CommandLineDisplay.of(command));
 * }</pre>
 */
final class CommandLineDisplay
{
    private static final String MASK = "***";

    private CommandLineDisplay()
    {
    }

    /**
     * @param command program and arguments
     * @return one line, secrets masked
     */
    static String of(List<String> command)
    {
        List<String> shown = new ArrayList<>();
        boolean secretNext = false;
        for (String arg : command)
        {
            boolean secretOption = arg.startsWith("-") && arg.toLowerCase(Locale.ROOT).contains("password");
            if (secretNext)
                shown.add(MASK);
            else if (secretOption && arg.contains("="))
                shown.add(arg.substring(0, arg.indexOf('=') + 1) + MASK);
            else
                shown.add(arg);
            // a masked value is never itself an option name, even if it looks like one
            secretNext = !secretNext && secretOption && !arg.contains("=");
        }
        return String.join(" ", shown);
    }
}
