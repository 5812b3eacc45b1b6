package dev.nserv.jetty.supervise;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the supervisor needs from the command line, filled in by the launcher (which parses the flags; this
 * package knows none of them).
 */
public final class SupervisorSettings
{
    /**
     * A listener to bind, by the name of the connector that adopts it.
     * @param name the connector's name, e.g. {@code http}
     * @param host the address, or {@code null} for all interfaces
     * @param port the port, 0 for any free one
     */
    public record Listener(String name, String host, int port)
    {
    }

    private final List<Listener> listeners = new ArrayList<>();
    private List<String> command;
    private Path directory;
    private Path pidFile;
    private Duration readyTimeout = Duration.ofSeconds(60);
    private Duration stopTimeout = Duration.ofSeconds(45);
    private Backoff backoff = Backoff.standard();
    private int backlog = 1024;

    /**
     * @param listener a listener the supervisor binds (unless systemd passed sockets)
     * @return this
     */
    public SupervisorSettings addListener(Listener listener)
    {
        listeners.add(listener);
        return this;
    }

    public List<Listener> listeners()
    {
        return listeners;
    }

    /**
     * @param command the command line of every generation (the supervisor's own without {@code --supervise} and
     * {@code --pid-file})
     * @return this
     */
    public SupervisorSettings command(List<String> command)
    {
        if (command == null || command.isEmpty())
            throw new IllegalArgumentException("the generations' command must not be empty");
        this.command = List.copyOf(command);
        return this;
    }

    public List<String> command()
    {
        return command;
    }

    /**
     * @param directory a directory private to this user, for the supervisor's and the handoff's sockets
     * @return this
     */
    public SupervisorSettings directory(Path directory)
    {
        this.directory = directory;
        return this;
    }

    public Path directory()
    {
        return directory;
    }

    /**
     * @param pidFile the supervisor's pid file, or {@code null}
     * @return this
     */
    public SupervisorSettings pidFile(Path pidFile)
    {
        this.pidFile = pidFile;
        return this;
    }

    public Path pidFile()
    {
        return pidFile;
    }

    /**
     * @param readyTimeout the longest wait for a started generation to be ready, more than 0
     * @return this
     */
    public SupervisorSettings readyTimeout(Duration readyTimeout)
    {
        if (readyTimeout.isZero() || readyTimeout.isNegative())
            throw new IllegalArgumentException("ready timeout must be more than 0, was " + readyTimeout);
        this.readyTimeout = readyTimeout;
        return this;
    }

    public Duration readyTimeout()
    {
        return readyTimeout;
    }

    /**
     * @param stopTimeout how long a SIGTERM'd generation may take to exit (its stop deadline plus a margin) before
     * the supervisor kills it
     * @return this
     */
    public SupervisorSettings stopTimeout(Duration stopTimeout)
    {
        if (stopTimeout.isNegative())
            throw new IllegalArgumentException("stop timeout must not be negative, was " + stopTimeout);
        this.stopTimeout = stopTimeout;
        return this;
    }

    public Duration stopTimeout()
    {
        return stopTimeout;
    }

    /**
     * @param backoff the crash loop policy
     * @return this
     */
    public SupervisorSettings backoff(Backoff backoff)
    {
        this.backoff = backoff;
        return this;
    }

    public Backoff backoff()
    {
        return backoff;
    }

    /**
     * @param backlog the listen backlog of sockets the supervisor binds: clients wait there while no generation
     * accepts (capped by {@code net.core.somaxconn})
     * @return this
     */
    public SupervisorSettings backlog(int backlog)
    {
        if (backlog < 1)
            throw new IllegalArgumentException("backlog must be at least 1, was " + backlog);
        this.backlog = backlog;
        return this;
    }

    public int backlog()
    {
        return backlog;
    }
}
