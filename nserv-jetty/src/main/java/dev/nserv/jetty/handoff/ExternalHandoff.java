package dev.nserv.jetty.handoff;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * The old side of one handoff for a process that holds listening sockets but runs no server of its own -- the
 * supervisor of {@code --supervise}. It speaks the same conversation as a serving generation ({@link HandoffServer}:
 * HELLO, HANDOFF with the fds, READY or FAILED, COMMIT or ABORT), so the generation it starts cannot tell a
 * supervisor from a predecessor. It also lends the supervisor the few duties a generation otherwise does itself:
 * the pid file, systemd's notifications and this process's command line.
 *
 * <pre>{@code
 * try (ExternalHandoff handoff = new ExternalHandoff(directory))
 * {
 *     Process child = start(command, handoff.environment(1));
 *     handoff.offer(0, List.of("http"), new int[]{fd}, pid -> pid == child.pid());
 *     handoff.awaitReady();
 *     handoff.commit();
 * }                                           // closing it tells the child no predecessor drains
 * }</pre>
 */
public final class ExternalHandoff implements Closeable
{
    private final HandoffServer server;

    /**
     * @param directory a directory private to this user, for the one-off Unix socket
     * @throws IOException when the socket cannot be created
     */
    public ExternalHandoff(Path directory) throws IOException
    {
        server = new HandoffServer(directory);
    }

    /**
     * @param generation the generation number of the process to start
     * @return its environment: this process's without systemd's socket variables, with the handoff socket, token
     * and generation
     */
    public Map<String, String> environment(int generation)
    {
        return server.successorEnvironment(generation);
    }

    /**
     * Waits for the started process to connect, checks it, and sends the listeners (with this process's stdout
     * and stderr, which it puts on its own fds 1 and 2 once committed).
     * @param generation the number this process reports as the previous generation's (0 for a supervisor)
     * @param names connector names, one per fd
     * @param fds the listening sockets; this process keeps its own copies
     * @param isChild tells whether a peer pid is the started process or one of its descendants
     * @throws IOException when aborted, or the conversation fails
     */
    public void offer(int generation, List<String> names, int[] fds, LongPredicate isChild) throws IOException
    {
        if (names.size() != fds.length)
            throw new IllegalArgumentException(names.size() + " names for " + fds.length + " fds");
        List<String> limits = new ArrayList<>();
        names.forEach(name -> limits.add(""));
        server.handOff(new HandoffServer.Offer(generation, ProcessHandle.current().pid(), null, List.copyOf(names), limits, fds.clone()), isChild);
    }

    /**
     * @throws IOException when the process reports FAILED, goes away, or the wait is aborted
     */
    public void awaitReady() throws IOException
    {
        server.awaitReady();
    }

    /**
     * Answers COMMIT, unless an abort came first.
     * @throws IOException with the abort's cause
     */
    public void commit() throws IOException
    {
        server.commit();
    }

    /**
     * Decides against the process, unless it was committed; wakes up a waiting {@link #offer} or
     * {@link #awaitReady}. Any thread.
     * @param why the cause
     * @return whether this call decided
     */
    public boolean abort(String why)
    {
        return server.abort(why);
    }

    /**
     * Tells the process ABORT when it can still hear it, and closes the connection.
     * @param why the cause, unless an earlier abort named one
     * @return the cause that decided
     */
    public String rollBack(String why)
    {
        return server.rollBack(why);
    }

    @Override
    public void close()
    {
        server.close();
    }

    /**
     * @return this process's command line, program first (see {@code /proc/self/cmdline})
     * @throws IOException when it cannot be read
     */
    public static List<String> currentCommand() throws IOException
    {
        return CurrentCommand.get();
    }

    /**
     * Sends a state to systemd when {@code NOTIFY_SOCKET} is set; does nothing otherwise.
     * @param state newline-separated assignments, e.g. {@code READY=1}
     * @return whether it was sent
     */
    public static boolean notifySystemd(String state)
    {
        return new SdNotify(System.getenv("NOTIFY_SOCKET")).notify(state);
    }

    /**
     * Writes this process's pid to a file, atomically.
     * @param file the pid file
     * @throws IOException when it cannot be written
     */
    public static void writePidFile(Path file) throws IOException
    {
        new PidFile(file).write();
    }

    /**
     * Removes the pid file if it holds this process's pid.
     * @param file the pid file
     */
    public static void removePidFileIfOwn(Path file)
    {
        new PidFile(file).removeIfOwn();
    }
}
