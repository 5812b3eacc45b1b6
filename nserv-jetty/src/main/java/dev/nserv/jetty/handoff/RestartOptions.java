package dev.nserv.jetty.handoff;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Settings for restarts and socket adoption, filled by the launcher from its flags.
 * (Interim version written by the lead so that the launcher compiles; the handoff owner extends it.)
 */
public class RestartOptions
{
    private Path controlSocket;
    private List<String> successorCommand;
    private Duration readyTimeout = Duration.ofSeconds(60);
    private Path pidFile;
    private boolean inheritFd0;

    /** @return the control socket path, or null for the default */
    public Path getControlSocket()
    {
        return controlSocket;
    }

    /** @param controlSocket the control socket path, or null for the default */
    public void setControlSocket(Path controlSocket)
    {
        this.controlSocket = controlSocket;
    }

    /** @return the successor command, or null for this process's own command line */
    public List<String> getSuccessorCommand()
    {
        return successorCommand;
    }

    /** @param successorCommand the successor command, or null for this process's own command line */
    public void setSuccessorCommand(List<String> successorCommand)
    {
        this.successorCommand = successorCommand == null ? null : List.copyOf(successorCommand);
    }

    /** @return how long a successor may take to become ready */
    public Duration getReadyTimeout()
    {
        return readyTimeout;
    }

    /** @param readyTimeout how long a successor may take to become ready; more than 0 */
    public void setReadyTimeout(Duration readyTimeout)
    {
        if (readyTimeout == null || readyTimeout.isZero() || readyTimeout.isNegative())
            throw new IllegalArgumentException("readyTimeout must be more than 0, was " + readyTimeout);
        this.readyTimeout = readyTimeout;
    }

    /** @return the pid file, or null for none */
    public Path getPidFile()
    {
        return pidFile;
    }

    /** @param pidFile the pid file, or null for none */
    public void setPidFile(Path pidFile)
    {
        this.pidFile = pidFile;
    }

    /** @return whether fd 0 must be adopted as the HTTP listener */
    public boolean isInheritFd0()
    {
        return inheritFd0;
    }

    /** @param inheritFd0 whether fd 0 must be adopted as the HTTP listener */
    public void setInheritFd0(boolean inheritFd0)
    {
        this.inheritFd0 = inheritFd0;
    }
}
