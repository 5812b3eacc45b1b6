package dev.nserv.jetty.home;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.Signals;
import dev.nserv.jetty.ctl.ControlSocketParticipant;
import dev.nserv.jetty.handoff.RestartOptions;
import dev.nserv.jetty.handoff.RestartSupport;
import dev.nserv.jetty.supervise.SupervisorLink;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the bundled launcher's {@code Main} does around the server, as a bean that jetty-home's XML can build on
 * the {@code Server} that start.jar configures and starts: the server's handlers go behind nserv's probe and drain
 * handlers ({@link NservServer}), restart support is installed (socket adoption from the previous generation or
 * systemd, the {@code ctl} control socket, SIGHUP and JMX restarts, the pid file, {@code sd_notify}), and once the
 * server serves, SIGTERM and SIGINT start nserv's graceful stop, after which the JVM exits 0.
 *
 * <p>The graceful stop replaces Jetty's shutdown hook ({@code jetty.server.stopAtShutdown}) for these signals: a
 * handler for a signal takes the place of the JVM's, so the shutdown hooks run only at the final exit, when the
 * server has already stopped, and the drain runs exactly once. A SIGTERM during the start still reaches the JVM's
 * handling, and Jetty's hook stops the server.</p>
 *
 * <pre>{@code
 * <New id="NservModule" class="dev.nserv.jetty.home.NservModule">
 *   <Arg name="server"><Ref refid="Server"/></Arg>
 *   <Set name="pidFile">/run/nserv/nserv.pid</Set>
 *   <Get id="NservServer" name="nservServer"/>
 * </New>
 * }</pre>
 */
@ManagedObject("nserv in jetty-home: restart support, signals and exit")
public class NservModule extends ContainerLifeCycle
{
    /** The exit code when the server fails to start (with {@link #setExitWhenStopped exitWhenStopped}). */
    public static final int EXIT_START_FAILED = 1;
    private static final Logger LOG = LoggerFactory.getLogger(NservModule.class);

    private final Server server;
    private final NservServer nserv;
    private volatile String controlSocket;
    private volatile String pidFile;
    private volatile long readyTimeoutMs = RestartOptions.DEFAULT_READY_TIMEOUT.toMillis();
    private volatile boolean exitWhenStopped;
    private RestartSupport restartSupport;

    /**
     * Wraps the server's handlers (jetty-home's {@code Contexts} and whatever is in front of them) in nserv's probe
     * and drain handlers, and registers for the server's start; configure, then let start.jar start the server.
     * @param server jetty-home's server, not started
     */
    public NservModule(@Name("server") Server server)
    {
        this.server = server;
        nserv = new NservServer(server);
        server.addEventListener(new LifeCycle.Listener()
        {
            @Override
            public void lifeCycleStarting(LifeCycle event)
            {
                if (event == server)
                    install();
            }

            @Override
            public void lifeCycleStarted(LifeCycle event)
            {
                if (event == server)
                    serving();
            }

        });
        // after this bean's listener, so that the restart support is installed when nserv runs its start hooks
        nserv.startWithServer();
        server.addBean(this);
    }

    /**
     * @return the nserv server, for its drain and probe settings
     */
    public NservServer getNservServer()
    {
        return nserv;
    }

    /**
     * @return the control socket as set, or {@code null} for the default
     */
    @ManagedAttribute("Control socket of ctl and restarts; null for the default")
    public String getControlSocket()
    {
        return controlSocket;
    }

    /**
     * Sets the Unix domain socket that {@code ctl} and restarts use (before the start).
     * @param path a file whose directory exists, or {@code null} or empty for the default,
     * {@code ${XDG_RUNTIME_DIR or java.io.tmpdir}/nserv-<user>/nserv-<port>.sock}
     */
    public void setControlSocket(String path)
    {
        controlSocket = path == null || path.isBlank() ? null : path;
    }

    /**
     * @return the pid file, or {@code null} for none
     */
    @ManagedAttribute("File holding the pid of the generation that serves; null for none")
    public String getPidFile()
    {
        return pidFile;
    }

    /**
     * Sets the file that holds the pid of the generation that serves, replaced by each successor once ready.
     * @param path a file whose directory exists, or {@code null} or empty for none (the default)
     */
    public void setPidFile(String path)
    {
        pidFile = path == null || path.isBlank() ? null : path;
    }

    /**
     * @return the longest wait for a successor to become ready, in ms
     */
    @ManagedAttribute("Longest wait, in ms, for a successor to become ready before a restart rolls back")
    public long getReadyTimeout()
    {
        return readyTimeoutMs;
    }

    /**
     * Sets how long a successor may take from its launch until it is ready before the restart rolls back.
     * @param ms milliseconds, at least 1 (default 60000)
     */
    public void setReadyTimeout(long ms)
    {
        if (ms < 1)
            throw new IllegalArgumentException("readyTimeout must be at least 1 ms, was " + ms + " ms; e.g. 60000");
        readyTimeoutMs = ms;
    }

    /**
     * @return whether the JVM exits once nserv's graceful stop has finished
     */
    public boolean isExitWhenStopped()
    {
        return exitWhenStopped;
    }

    /**
     * Ends the JVM with exit code 0 once nserv's graceful stop (a signal, {@code ctl stop}, JMX, or the end of a
     * generation after a restart) has finished, like the bundled launcher: no thread left behind by a webapp can
     * keep a stopped generation alive; and when the server fails to start, ends it with one line on stderr naming
     * the failure ({@code nserv: error: ...}) and exit code {@value #EXIT_START_FAILED} in place of Jetty's stack
     * trace. The module's XML turns it on.
     * @param exit true to exit; false (the default) for an embedded server whose program decides
     */
    public void setExitWhenStopped(boolean exit)
    {
        exitWhenStopped = exit;
    }

    /**
     * @return the restart support, once the server has begun its start; else {@code null}
     */
    public RestartSupport getRestartSupport()
    {
        return restartSupport;
    }

    private void install()
    {
        try
        {
            installRestartSupport();
        }
        finally
        {
            // after the restart support's listener, which reports a successor's failed start to its predecessor
            server.addEventListener(new LifeCycle.Listener()
            {
                @Override
                public void lifeCycleFailure(LifeCycle event, Throwable cause)
                {
                    if (event == server && exitWhenStopped)
                        failed(cause);
                }
            });
        }
    }

    private void installRestartSupport()
    {
        RestartOptions options = new RestartOptions();
        options.setControlSocket(controlSocket == null ? null : Path.of(controlSocket));
        options.setPidFile(pidFile == null ? null : Path.of(pidFile));
        options.setReadyTimeout(Duration.ofMillis(readyTimeoutMs));
        // the successor runs this JVM's own command line again: java [options] -jar start.jar [arguments]
        restartSupport = RestartSupport.install(nserv, options)
            .addParticipant(new ControlSocketParticipant(options.getControlSocket()));
        SupervisorLink.fromEnvironment(System.getenv()).ifPresent(restartSupport::addParticipant);
    }

    /**
     * Ends the JVM with one line naming what failed, instead of Jetty's stack trace of a failed start. It halts:
     * the failing start holds the server's lifecycle lock, which Jetty's shutdown hook would wait for forever, and
     * nothing has been served yet (the control socket and pid file come once the server has started).
     */
    private void failed(Throwable cause)
    {
        PrintStream err = System.err;
        err.println("nserv: error: " + describe(cause));
        err.flush();
        System.out.flush();
        Runtime.getRuntime().halt(EXIT_START_FAILED);
    }

    /** The messages along a failure's causes, each once: e.g. {@code Failed to bind to /0.0.0.0:8080: Address already in use}. */
    static String describe(Throwable failure)
    {
        StringBuilder line = new StringBuilder();
        for (Throwable x = failure; x != null; x = x.getCause() == x ? null : x.getCause())
        {
            String message = x.getMessage();
            if (message == null || message.isBlank())
                message = x.getClass().getSimpleName();
            message = message.replaceAll("\\s*\\R\\s*", " ").trim();
            if (line.indexOf(message) < 0)
                line.append(line.length() == 0 ? "" : ": ").append(message);
        }
        return line.toString();
    }

    private void serving()
    {
        Runnable stop = () ->
        {
            if (!nserv.stop())
                LOG.info("already stopping; the drain goes on (SIGKILL aborts it)");
        };
        Signals.handle("TERM", stop);
        Signals.handle("INT", stop);
        if (exitWhenStopped)
        {
            Thread exit = new Thread(this::exitOnceStopped, "nserv-exit");
            exit.setDaemon(true);
            exit.start();
        }
        LOG.info("nserv: ready (generation {}, pid {})", nserv.getGeneration(), nserv.getPid());
    }

    private void exitOnceStopped()
    {
        try
        {
            nserv.join();
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            return;
        }
        LOG.info("nserv: stopped (generation {}, pid {})", nserv.getGeneration(), nserv.getPid());
        System.exit(0);
    }
}
