package dev.nserv.jetty.handoff;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

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
    /** The longest time a successor's JIT compiler yields to its requests after it begins to serve. */
    public static final Duration DEFAULT_COMPILER_YIELD = Duration.ofSeconds(10);
    /** The longest {@link #setCompilerYield compiler yield} accepted. */
    public static final Duration MAX_COMPILER_YIELD = Duration.ofMinutes(10);

    private Path controlSocket;
    private List<String> successorCommand;
    private Duration readyTimeout = DEFAULT_READY_TIMEOUT;
    private Path pidFile;
    private boolean inheritFd0;
    private ClassDataArchives classDataArchives;
    private Duration standbyDelay;
    private Duration compilerYield = DEFAULT_COMPILER_YIELD;
    private Supplier<String> standbyKey = () -> "";

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
     * @return the wait from a generation's start to its standby successor's, or {@code null} for no standby
     */
    public Duration getStandbyDelay()
    {
        return standbyDelay;
    }

    /**
     * Keeps a standby successor: a JVM started {@code standbyDelay} after each generation serves (and after a roll
     * back), which loads its classes and then waits, so that a restart skips the JVM's start, the jar copy and
     * the class loading. It costs a second JVM's memory while it waits (see docs/restart.md). Configuration and
     * WARs are still read when the restart comes; a standby whose jar or JDK changed on disk is replaced by a fresh
     * successor. Needs the default successor command.
     * @param standbyDelay 0 or more, e.g. 5 s; {@code null} (the default) for no standby
     */
    public void setStandbyDelay(Duration standbyDelay)
    {
        if (standbyDelay != null && standbyDelay.isNegative())
            throw new IllegalArgumentException("standbyDelay must be 0 or more, was " + standbyDelay + "; null turns the standby off");
        this.standbyDelay = standbyDelay;
    }

    /**
     * @return how long at most a successor's JIT compiler yields to its requests; zero when it does not
     */
    public Duration getCompilerYield()
    {
        return compilerYield;
    }

    /**
     * Lets a successor's JIT compiler threads run at nice 10 from the moment it serves, so that its first requests
     * are not kept waiting by the compiler (see docs/restart.md): until the compiler waits for the CPU more than it
     * runs (the CPU is saturated), and at the latest for this long. A process that could not set the compiler's
     * priority back (no {@code CAP_SYS_NICE}, {@code RLIMIT_NICE} too low) leaves it alone.
     * @param compilerYield 0 (off) to 10 minutes; the default is 10 s
     */
    public void setCompilerYield(Duration compilerYield)
    {
        if (compilerYield == null || compilerYield.isNegative() || compilerYield.compareTo(MAX_COMPILER_YIELD) > 0)
            throw new IllegalArgumentException("compilerYield must be 0 (off) to " + MAX_COMPILER_YIELD.toMinutes() + " minutes, was " + compilerYield);
        this.compilerYield = compilerYield;
    }

    /**
     * @return what a standby fixes when it starts, beyond its code
     */
    public Supplier<String> getStandbyKey()
    {
        return standbyKey;
    }

    /**
     * Names what a standby successor fixes when it starts, beyond its code: the launcher gives the log format, which
     * must be known before the first logger. A standby whose key differs when the restart comes is replaced by a
     * fresh successor.
     * @param standbyKey gives the current value; the default gives the empty string
     */
    public void setStandbyKey(Supplier<String> standbyKey)
    {
        if (standbyKey == null)
            throw new IllegalArgumentException("standbyKey must not be null; use () -> \"\" when a standby fixes nothing");
        this.standbyKey = standbyKey;
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
