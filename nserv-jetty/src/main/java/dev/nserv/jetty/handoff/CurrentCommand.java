package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * This process's exact command line (java binary, JVM options, {@code -jar} path, arguments), read from
 * {@code /proc/self/cmdline}, which keeps every argument intact (spaces included). Run again from the same
 * working directory, it starts the same server from whatever is on disk now, e.g. a replaced nserv.jar.
 */
final class CurrentCommand
{
    private CurrentCommand()
    {
    }

    /**
     * @return the command line, program first
     * @throws IOException when it cannot be read
     */
    static List<String> get() throws IOException
    {
        byte[] bytes;
        try
        {
            bytes = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        }
        catch (IOException x)
        {
            return fromProcessHandle().orElseThrow(() -> new IOException("cannot read this process's command line: " + x.getMessage(), x));
        }
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++)
        {
            if (bytes[i] == 0)
            {
                args.add(new String(bytes, start, i - start, Charset.defaultCharset()));
                start = i + 1;
            }
        }
        if (start < bytes.length)
            args.add(new String(bytes, start, bytes.length - start, Charset.defaultCharset()));
        if (args.isEmpty())
            throw new IOException("this process's command line is empty; configure a successor command");
        return args;
    }

    private static Optional<List<String>> fromProcessHandle()
    {
        ProcessHandle.Info info = ProcessHandle.current().info();
        if (info.command().isEmpty() || info.arguments().isEmpty())
            return Optional.empty();
        List<String> args = new ArrayList<>();
        args.add(info.command().get());
        args.addAll(List.of(info.arguments().get()));
        return Optional.of(args);
    }
}
