package dev.nserv.jetty.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * One child JVM of the real nserv.jar on 127.0.0.1, port 0: collects its output, tells its port, and on
 * {@link #close()} stops it with SIGTERM (so Jetty removes its temporary directories), forcibly after 30 s.
 */
final class ChildNserv implements AutoCloseable
{
    private static final Pattern LISTENING = Pattern.compile("nserv: listening on http://127\\.0\\.0\\.1:(\\d+)/");

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private final int port;

    /**
     * Starts {@code java -jar nserv.jar --host 127.0.0.1 --port 0 ARGS} and waits up to 60 s until it listens.
     * @param args further nserv arguments
     * @throws IOException when the JVM cannot start
     */
    ChildNserv(String... args) throws IOException
    {
        String jar = System.getProperty("nserv.jar", "target/nserv.jar");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar", jar, "--host", "127.0.0.1", "--port", "0"));
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        reader = new Thread(this::follow, "nserv-child-output");
        reader.setDaemon(true);
        reader.start();
        try
        {
            await().atMost(Duration.ofSeconds(60)).until(() -> listeningPort() > 0 || !process.isAlive());
        }
        catch (RuntimeException x)
        {
            close();
            throw x;
        }
        port = listeningPort();
        if (port <= 0)
        {
            close();
            throw new AssertionError("nserv did not start:\n" + outputText());
        }
    }

    private void follow()
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            for (String line = in.readLine(); line != null; line = in.readLine())
                output.add(line);
        }
        catch (IOException ignored)
        {
            // the child is gone
        }
    }

    private int listeningPort()
    {
        for (String line : output)
        {
            Matcher matcher = LISTENING.matcher(line);
            if (matcher.find())
                return Integer.parseInt(matcher.group(1));
        }
        return -1;
    }

    int port()
    {
        return port;
    }

    long pid()
    {
        return process.pid();
    }

    String outputText()
    {
        return String.join("\n", output);
    }

    @Override
    public void close()
    {
        try
        {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            reader.join(TimeUnit.SECONDS.toMillis(5));
        }
        catch (InterruptedException x)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
