package dev.nserv.jetty.handoff;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A successor started ahead of its restart (the generation's side; the standby's side is the launcher's
 * {@code StandbyGate}): its JVM has started, copied its jar and loaded the classes this generation loaded, and it
 * waits on its stdin. {@link #go} gives it the restart's environment, and from then on it is an ordinary successor:
 * it reads its configuration and WARs, receives the listeners, starts and reports READY -- so a WAR or jetty.xml
 * changed while it waited is still picked up. What it cannot pick up is a change of the code it runs: a standby whose
 * jar or JDK changed on disk since it started is {@linkplain #staleReason stale} and is replaced by a fresh start.
 *
 * <pre>{@code
 * Standby standby = Standby.start(command, env, 2, "log format text", plan, loadedClasses, List.of(jar, jdkModules), tail);
 * ...
 * if (standby.staleReason(2, "log format text") == null)
 *     SuccessorProcess successor = standby.go(restartEnvironment);
 * }</pre>
 */
final class Standby
{
    private static final Duration FEED_TIMEOUT = Duration.ofSeconds(10);

    private final SuccessorProcess process;
    private final List<String> command;
    private final long startedNanos = System.nanoTime();
    private final int generation;
    private final String key;
    private final ClassDataArchives.Plan plan;
    private final OutputTail tail;
    private final Map<Path, String> watched;
    private final Writer input;
    private final CompletableFuture<Void> fed;

    private Standby(SuccessorProcess process, List<String> command, int generation, String key, ClassDataArchives.Plan plan, OutputTail tail, Map<Path, String> watched, List<String> classes)
    {
        this.process = process;
        this.command = List.copyOf(command);
        this.generation = generation;
        this.key = key;
        this.plan = plan;
        this.tail = tail;
        this.watched = watched;
        this.input = new BufferedWriter(new OutputStreamWriter(process.input(), StandardCharsets.UTF_8));
        // thousands of names fill the pipe faster than the standby loads them: written from a thread of its own
        this.fed = CompletableFuture.runAsync(() -> feed(classes), runnable ->
        {
            Thread thread = new Thread(runnable, "nserv-standby-feed");
            thread.setDaemon(true);
            thread.start();
        });
    }

    /**
     * Starts a standby.
     * @param command the successor's command
     * @param env its environment, without the restart's variables (those come with {@link #go})
     * @param generation the generation it will be
     * @param key what it fixes when it starts, beyond its code (e.g. the log format)
     * @param plan the class-data archive it was started with, or null
     * @param classes names of the classes to load ahead
     * @param watched files whose change makes it stale (the jar, the JDK)
     * @param tail where to keep its last lines
     * @return the standby
     * @throws IOException when it cannot be started
     */
    static Standby start(List<String> command, Map<String, String> env, int generation, String key, ClassDataArchives.Plan plan, List<String> classes, List<Path> watched, OutputTail tail) throws IOException
    {
        Map<Path, String> stamps = new LinkedHashMap<>();
        for (Path file : watched)
            stamps.put(file, stamp(file));
        SuccessorProcess process = SuccessorProcess.start(command, env, tail, true);
        return new Standby(process, command, generation, key, plan, tail, stamps, classes);
    }

    private void feed(List<String> classes)
    {
        try
        {
            input.write("nserv-standby 1\n");
            for (String name : classes)
                input.write("class " + name + "\n");
            input.write("prepare\n");
            input.flush();
        }
        catch (IOException x)
        {
            // the standby is gone; staleReason() says so
        }
    }

    /**
     * @param next the generation of the restart about to begin
     * @param keyNow what a standby would fix if it started now
     * @return why this standby cannot be that generation, or null when it can
     */
    String staleReason(int next, String keyNow)
    {
        if (!process.isAlive())
            return "the standby (pid " + process.pid() + ") " + SuccessorProcess.describeExit(process.process().exitValue());
        if (next != generation)
            return "the standby (pid " + process.pid() + ") was started as generation " + generation + ", not " + next;
        if (!key.equals(keyNow))
            return "the standby (pid " + process.pid() + ") started with " + key + ", and now it would be " + keyNow;
        for (Map.Entry<Path, String> file : watched.entrySet())
        {
            String now;
            try
            {
                now = stamp(file.getKey());
            }
            catch (IOException x)
            {
                now = x.toString();
            }
            if (!Objects.equals(now, file.getValue()))
                return file.getKey() + " changed since the standby (pid " + process.pid() + ") started";
        }
        return null;
    }

    /**
     * Starts the restart in the standby.
     * @param env the successor's complete environment for this restart
     * @return the successor, now starting
     * @throws IOException when the standby cannot be told (it is then ended)
     */
    SuccessorProcess go(Map<String, String> env) throws IOException
    {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> variable : env.entrySet())
        {
            String line = "env " + variable.getKey() + "=" + variable.getValue();
            if (variable.getKey().isEmpty() || variable.getKey().indexOf('=') >= 0 || line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0 || line.indexOf('\0') >= 0)
                throw new IOException("the environment variable '" + variable.getKey() + "' cannot be sent to a standby (a line break or NUL in it)");
            lines.add(line);
        }
        try
        {
            fed.get(FEED_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            for (String line : lines)
                input.write(line + "\n");
            input.write("go\n");
            input.close();
        }
        catch (IOException | ExecutionException | TimeoutException x)
        {
            throw new IOException("the standby (pid " + process.pid() + ") could not be told to go: " + x, x);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while telling the standby to go", x);
        }
        return process;
    }

    /**
     * Ends an unused standby: the end of its stdin makes it exit; SIGTERM, then SIGKILL after {@code grace}.
     * @param grace how long it may take
     * @return how it ended
     */
    String cancel(Duration grace)
    {
        try
        {
            input.close();
        }
        catch (IOException x)
        {
            // it is gone already
        }
        try
        {
            if (process.process().waitFor(Math.min(grace.toMillis(), 2000), TimeUnit.MILLISECONDS))
                return SuccessorProcess.describeExit(process.process().exitValue());
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        return process.terminate(grace);
    }

    List<String> command()
    {
        return command;
    }

    /**
     * @return how long ago it was started
     */
    Duration age()
    {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    long pid()
    {
        return process.pid();
    }

    ClassDataArchives.Plan plan()
    {
        return plan;
    }

    OutputTail tail()
    {
        return tail;
    }

    SuccessorProcess process()
    {
        return process;
    }

    /** Size, modification time and file key (inode): a copy over the file or a rename onto it changes one. */
    private static String stamp(Path file) throws IOException
    {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return attributes.size() + "/" + attributes.lastModifiedTime().toMillis() + "/" + attributes.fileKey();
    }
}
