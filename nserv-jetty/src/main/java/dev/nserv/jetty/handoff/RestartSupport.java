package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.Signals;
import dev.nserv.jetty.WebappGate;
import dev.nserv.jetty.ctl.ControlCommands;
import dev.nserv.jetty.ctl.ControlPaths;
import dev.nserv.jetty.ctl.ControlServer;
import dev.nserv.jetty.warmup.WarmUp;
import dev.nserv.jetty.warmup.WarmUpFailedException;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Equips an {@link NservServer} with socket adoption, zero-downtime restart and the {@code ctl} control socket.
 * <p>
 * Before the start, each connector adopts an inherited listening socket instead of binding when there is one:
 * from the previous generation (handoff), else from systemd ({@code LISTEN_FDS}), else an inetd-style listener on
 * fd 0. After the start it binds the control socket, writes the pid file, notifies systemd ({@code READY=1}) and
 * makes SIGHUP trigger a restart. A successor first reports READY to the previous generation and takes over the
 * control socket, pid file, stdout/stderr and systemd's main pid only once that generation commits.
 * <p>
 * Invariant: at any moment there are one or two generations, and at most one of them is not ready.
 *
 * <pre>{@code
 * NservServer nserv = ...;                          // configured, not started
 * RestartSupport support = RestartSupport.install(nserv, new RestartOptions());
 * nserv.start();                                    // adopts, starts, then binds the control socket
 * support.getRestarter().restart();                 // or: java -jar nserv.jar ctl restart, or kill -HUP
 * }</pre>
 */
public final class RestartSupport implements NservServer.StartHook
{
    private static final Logger LOG = LoggerFactory.getLogger(RestartSupport.class);

    private final NservServer nserv;
    private final RestartOptions options;
    private final Map<String, String> env;
    private final ListenerRegistry registry = new ListenerRegistry();
    private final SdNotify sdNotify;
    private final Restarter restarter;
    private final PidFile pidFile;
    private HandoffClient handoff;
    private volatile ControlServer controlServer;

    private RestartSupport(NservServer nserv, RestartOptions options, Map<String, String> env)
    {
        this.nserv = nserv;
        this.options = options;
        this.env = env;
        this.sdNotify = new SdNotify(env.get("NOTIFY_SOCKET"));
        this.restarter = new Restarter(nserv, registry, sdNotify);
        this.pidFile = options.getPidFile() == null ? null : new PidFile(options.getPidFile());
        restarter.setSuccessorCommand(options.getSuccessorCommand());
        restarter.setReadyTimeout(options.getReadyTimeout().toMillis());
    }

    /**
     * Installs restart support; call before {@link NservServer#start()}.
     * @param nserv the server, configured and not started
     * @param options the settings
     * @return the installed support, for {@link #getRestarter()}
     */
    public static RestartSupport install(NservServer nserv, RestartOptions options)
    {
        RestartSupport support = new RestartSupport(nserv, options, System.getenv());
        nserv.addStartHook(support);
        // webapps that read the generation while they initialize (before nserv sets the context attribute)
        System.setProperty("nserv.generation", Integer.toString(nserv.getGeneration()));
        // a bean of the server, so that Jetty's MBeanContainer exposes it as dev.nserv.jetty.handoff:type=restarter,id=0
        nserv.getServer().addBean(support.restarter);
        return support;
    }

    /**
     * @return the restarter, also the JMX MBean
     */
    public Restarter getRestarter()
    {
        return restarter;
    }

    /**
     * @return the control socket path, once the server has started
     */
    public Path getControlSocket()
    {
        ControlServer server = controlServer;
        return server == null ? null : server.path();
    }

    @Override
    public void beforeStart(NservServer server) throws Exception
    {
        Server jetty = server.getServer();
        ListenerAdopter adopter = new ListenerAdopter(registry, env, options.isInheritFd0());
        if (HandoffClient.isSuccessor(env))
        {
            // sockets come from the previous generation only; LISTEN_* and fd 0 are not this process's
            handoff = new HandoffClient(Path.of(env.get(HandoffProtocol.ENV_SOCKET)), env.getOrDefault(HandoffProtocol.ENV_TOKEN, ""), registry, adopter);
            try
            {
                handoff.receive(jetty);
            }
            catch (IOException x)
            {
                handoff.failed(x.getMessage());
                throw x;
            }
            restarter.setPredecessor(handoff.previousGeneration(), handoff.previousPid());
        }
        else
        {
            adopter.adopt(jetty);
        }
        if (options.getControlSocket() == null)
            ControlPaths.ensurePrivateDirectory(ControlPaths.defaultDirectory());
        // early, so that a SIGHUP during the start is refused ("not ready yet") instead of ending the JVM
        try
        {
            Signals.handle("HUP", this::restartOnHangup);
        }
        catch (IllegalStateException x)
        {
            LOG.warn("SIGHUP will not trigger a restart: {}", x.getMessage());
        }
        jetty.addEventListener(new ServerEvents(jetty));
    }

    @Override
    public void afterStart(NservServer server) throws Exception
    {
        Path path = controlSocketPath(server);
        ControlServer control = new ControlServer(path, new ControlCommands(server, restarter));
        control.bindTemporary();
        // ---- handover participant "warm-up", phase BEFORE READY (dev.nserv.jetty.warmup.WarmUp) ----
        WarmUp warmUp = server.getServer().getBean(WarmUp.class);
        if (warmUp != null)
        {
            try
            {
                warmUp.beforeReady(WarmUp.readyDeadline(options.getReadyTimeout()));
            }
            catch (WarmUpFailedException x)
            {
                control.close();
                if (handoff != null)
                    handoff.failed(x.getMessage());
                throw x;
            }
        }
        // ---- end of the warm-up participant ----
        if (handoff != null)
        {
            try
            {
                handoff.ready();
            }
            catch (Exception x)
            {
                // the previous generation rolled back (or is gone undecided while alive): it keeps serving
                control.close();
                handoff.failed(x.getMessage());
                throw x;
            }
            handoff.commit(restarter::predecessorGone);
        }
        // From here a successor serves alone: nothing below may abort its start, only be reported.
        restarter.setControlSocket(path);
        try
        {
            control.publish();
            controlServer = control;
        }
        catch (IOException x)
        {
            control.close();
            if (handoff == null)
                throw x;
            LOG.error("control socket {} not available ({}); ctl cannot reach generation {}, JMX and SIGHUP still can", path, x.getMessage(), server.getGeneration());
        }
        if (pidFile != null)
        {
            try
            {
                pidFile.write();
            }
            catch (IOException x)
            {
                if (handoff == null)
                    throw new IOException("cannot write the pid file " + pidFile.path() + ": " + x.getMessage(), x);
                LOG.error("cannot write the pid file {}: {}", pidFile.path(), x.getMessage());
            }
        }
        sdNotify.notify((handoff != null ? "MAINPID=" + ProcessHandle.current().pid() + "\n" : "") + "READY=1\nSTATUS=generation " + server.getGeneration() + " serving");
        LOG.info("generation {} (pid {}) ready; restart with: java -jar nserv.jar ctl --socket {} restart, or kill -HUP {}",
            server.getGeneration(), server.getPid(), path, server.getPid());
    }

    private Path controlSocketPath(NservServer server) throws IOException
    {
        if (options.getControlSocket() != null)
            return options.getControlSocket().toAbsolutePath();
        if (handoff != null && handoff.controlSocket() != null)
            return handoff.controlSocket();
        List<ServerConnector> connectors = ListenerAdopter.serverConnectors(server.getServer());
        if (connectors.isEmpty())
            throw new IOException("no connector to name the control socket after; set a control socket path");
        return ControlPaths.defaultSocket(ControlPaths.defaultDirectory(), connectors.get(0).getLocalPort());
    }

    private void restartOnHangup()
    {
        // the signal thread must return at once; the restart takes seconds
        Thread thread = new Thread(() ->
        {
            LOG.info("SIGHUP: restart requested");
            try
            {
                LOG.info("SIGHUP restart: {}", restarter.restartOrFail());
            }
            catch (RestartFailedException | IllegalStateException x)
            {
                LOG.warn("SIGHUP restart: {}", x.getMessage());
            }
        }, "nserv-restart-sighup");
        thread.setDaemon(true);
        thread.start();
    }

    /** Reports a failed start to the previous generation, tells systemd about a plain stop, and cleans up. */
    private final class ServerEvents implements LifeCycle.Listener
    {
        private final Server jetty;

        ServerEvents(Server jetty)
        {
            this.jetty = jetty;
        }

        @Override
        public void lifeCycleFailure(LifeCycle event, Throwable cause)
        {
            if (event == jetty && handoff != null)
                handoff.failed(WebappGate.rootMessage(cause));
        }

        @Override
        public void lifeCycleStopping(LifeCycle event)
        {
            if (event == jetty && !restarter.isHandedOff())
            {
                // a stop requested during a restart wins: the successor must not outlive it
                restarter.abortIfInProgress("generation " + nserv.getGeneration() + " is stopping");
                sdNotify.notify("STOPPING=1");
            }
        }

        @Override
        public void lifeCycleStopped(LifeCycle event)
        {
            if (event == jetty)
                cleanUp();
        }
    }

    private void cleanUp()
    {
        // A restart rolled back by this stop must end its successor (and answer its trigger) before the JVM exits:
        // a successor left behind would find its predecessor gone and serve alone.
        if (!restarter.awaitNoRestart(restarter.getTerminateGrace().plusSeconds(10)))
            LOG.warn("a restart is still under way while generation {} stops", nserv.getGeneration());
        ControlServer control = controlServer;
        if (control != null)
            control.close(!restarter.isHandedOff());
        if (pidFile != null && !restarter.isHandedOff())
            pidFile.removeIfOwn();
        // tells a committed successor that this generation has stopped
        restarter.closeHandoff();
    }
}
