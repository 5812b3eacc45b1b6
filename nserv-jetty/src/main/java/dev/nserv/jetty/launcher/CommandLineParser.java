package dev.nserv.jetty.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A strict GNU-style option parser: {@code --name value}, {@code --name=value}, flags without a value, repeatable
 * options. Unknown options, missing values and values a setter refuses are errors that name the option.
 *
 * <p>Written here rather than taken from picocli because the launcher's start-up time matters (a restart's
 * successor is ready only once it has started): measured, picocli's annotation processing added 100 to 180 ms to
 * every start of nserv.jar, more than the rest of the launcher.</p>
 */
final class CommandLineParser
{
    /** A command line that cannot be used. */
    static final class UsageException extends IllegalArgumentException
    {
        private static final long serialVersionUID = 1L;

        UsageException(String message)
        {
            super(message);
        }
    }

    private record Option(String name, String label, String description, Consumer<String> setter)
    {
    }

    private final Map<String, Option> options = new LinkedHashMap<>();

    /**
     * Declares an option that takes a value.
     * @param name the option, e.g. {@code --port}
     * @param label the value's name in the help, e.g. {@code PORT}
     * @param description one sentence for the help
     * @param setter receives the value; an IllegalArgumentException it throws becomes a usage error for this option
     * @return this parser
     */
    CommandLineParser option(String name, String label, String description, Consumer<String> setter)
    {
        options.put(name, new Option(name, label, description, setter));
        return this;
    }

    /**
     * Declares a flag that takes no value.
     * @param name the flag, e.g. {@code --help}
     * @param description one sentence for the help
     * @param action runs when the flag is given
     * @return this parser
     */
    CommandLineParser flag(String name, String description, Runnable action)
    {
        options.put(name, new Option(name, null, description, value -> action.run()));
        return this;
    }

    /**
     * @param args the command line
     * @throws UsageException naming the option at fault
     */
    void parse(String[] args)
    {
        for (int i = 0; i < args.length; i++)
        {
            String arg = args[i];
            String name = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0)
            {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            Option option = options.get(name);
            if (option == null)
                throw new UsageException(arg.startsWith("-") ? "unknown option '" + name + "'" : "unexpected argument '" + arg + "' (options start with --)");
            if (option.label == null)
            {
                if (value != null)
                    throw new UsageException("option '" + name + "' takes no value, was given '" + value + "'");
                option.setter.accept(null);
                continue;
            }
            if (value == null)
            {
                if (i + 1 >= args.length)
                    throw new UsageException("option '" + name + "' needs a value: " + name + " " + option.label);
                value = args[++i];
            }
            try
            {
                option.setter.accept(value);
            }
            catch (UsageException x)
            {
                throw x;
            }
            catch (IllegalArgumentException x)
            {
                throw new UsageException("invalid value for option '" + name + "': " + x.getMessage());
            }
        }
    }

    /**
     * @return the option list for {@code --help}, one option per line with its description
     */
    List<String> describe()
    {
        List<String> lines = new ArrayList<>();
        int width = 0;
        for (Option option : options.values())
            width = Math.max(width, synopsis(option).length());
        for (Option option : options.values())
        {
            StringBuilder line = new StringBuilder("  ").append(synopsis(option));
            line.append(" ".repeat(width - synopsis(option).length() + 2)).append(option.description);
            lines.add(line.toString());
        }
        return lines;
    }

    private static String synopsis(Option option)
    {
        return option.label == null ? option.name : option.name + " " + option.label;
    }

    /**
     * @param value the text
     * @return the integer
     * @throws IllegalArgumentException naming the value
     */
    static int integer(String value)
    {
        try
        {
            return Integer.parseInt(value.trim());
        }
        catch (NumberFormatException x)
        {
            throw new IllegalArgumentException("'" + value + "' is not an integer");
        }
    }
}
