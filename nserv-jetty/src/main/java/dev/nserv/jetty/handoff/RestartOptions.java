package dev.nserv.jetty.handoff;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Settings for {@link RestartSupport}: where the control socket lives, what command starts a successor, how long
 * a successor may take to become ready, an optional pid file, and whether fd 0 must carry the listener.
 *
 * <pre>{@code
 * RestartOptions options = new RestartOptions();
 * options.setReadyTimeout(Duration.ofSeconds(30));
 * options.setPidFile(Path.of("/run/nserv/nserv.pid"));
 * RestartSupport.install(nserv, options);
 * }</pre>
 */
public class RestartOptions
{
    /** The default longest wait for a successor to become ready. */
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(60);

    private Path controlSocket;
    private List<String> successorCommand;
    private Duration readyTimeout = DEFAULT_READY_TIMEOUT;
    private Path pidFile;
    private boolean inheritFd0;
    private ClassDataArchives classDataArchives;

    /**
     * @return the control socket path, or {@code null} for the default
     */
    public Path getControlSocket()
    {
        return controlSocket;
    }

    /**
     * Sets the Unix domain socket that {@code ctl} and restarts use.
     * @param controlSocket a path whose directory exists and is private to this user, or {@code null} for the
     * default {@code ${XDG_RUNTIME_DIR or java.io.tmpdir}/nserv-<user>/nserv-<port>.sock}, where port is the
     * local port of the first connector
     */
    public void setControlSocket(Path controlSocket)
    {
        this.controlSocket = controlSocket;
    }

    /**
     * @return the successor command, or {@code null} for this process's own command line
     */
    public List<String> getSuccessorCommand()
    {
        return successorCommand;
    }

    /**
     * Sets the command that starts the next generation.
     * @param successorCommand program and arguments, e.g. {@code [/opt/nserv-2/bin/java, -jar, /opt/nserv-2/nserv.jar]},
     * or {@code null} (the default) to run this process's own command line again, so a jar replaced on disk is
     * picked up
     */
    public void setSuccessorCommand(List<String> successorCommand)
    {
        if (successorCommand != null && (successorCommand.isEmpty() || successorCommand.get(0).isBlank()))
            throw new IllegalArgumentException("successorCommand must name a program, was " + successorCommand + "; use null for this process's own command line");
        this.successorCommand = successorCommand == null ? null : List.copyOf(successorCommand);
    }

    /**
     * @return the longest wait for a successor to become ready
     */
    public Duration getReadyTimeout()
    {
        return readyTimeout;
    }

    /**
     * Sets how long a successor may take from its launch until it is ready before the restart is rolled back.
     * @param readyTimeout more than zero; the default is 60 s
     */
    public void setReadyTimeout(Duration readyTimeout)
    {
        if (readyTimeout == null || readyTimeout.isNegative() || readyTimeout.isZero())
            throw new IllegalArgumentException("readyTimeout must be more than 0, was " + readyTimeout + "; e.g. 60s");
        this.readyTimeout = readyTimeout;
    }

    /**
     * @return the pid file, or {@code null} for none
     */
    public Path getPidFile()
    {
        return pidFile;
    }

    /**
     * Sets a file that holds the pid of the generation that serves, replaced atomically by each successor once
     * it is ready (for systemd {@code PIDFile=} or scripts).
     * @param pidFile the file, or {@code null} (the default) for none
     */
    public void setPidFile(Path pidFile)
    {
        this.pidFile = pidFile;
    }

    /**
     * @return whether fd 0 must be a listening socket to adopt
     */
    public boolean isInheritFd0()
    {
        return inheritFd0;
    }

    /**
     * Requires an inetd-style listening TCP socket on fd 0 for the first connector; when it is not one the start
     * fails. Without it, a listening TCP socket on fd 0 is still adopted, and anything else on fd 0 is ignored.
     * @param inheritFd0 true to require the fd 0 listener
     */
    public void setInheritFd0(boolean inheritFd0)
    {
        this.inheritFd0 = inheritFd0;
    }

    /**
     * @return the class-data archives successors start from, or {@code null} for none
     */
    public ClassDataArchives getClassDataArchives()
    {
        return classDataArchives;
    }

    /**
     * Starts successors from class-data archives that earlier generations wrote (see {@link ClassDataArchives}).
     * @param classDataArchives the archives, or {@code null} (the default) to start successors without
     */
    public void setClassDataArchives(ClassDataArchives classDataArchives)
    {
        this.classDataArchives = classDataArchives;
    }
}
