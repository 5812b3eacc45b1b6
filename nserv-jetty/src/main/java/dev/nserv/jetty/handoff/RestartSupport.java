package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.nserv.jetty.Generation;
import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.ProcessEnvironment;
import dev.nserv.jetty.Signals;
import dev.nserv.jetty.StartPhases;
import dev.nserv.jetty.WebappGate;
import dev.nserv.jetty.sockets.InheritedListeners;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Equips an {@link NservServer} with socket adoption and zero-downtime restart, and runs the
 * {@link HandoverParticipant}s through each change of generation.
 * <p>
 * Before the start, each connector adopts an inherited listening socket instead of binding when there is one:
 * from the previous generation (handoff), else from systemd ({@code LISTEN_FDS}), else an inetd-style listener on
 * fd 0. After the start every participant gets {@code beforeReady}; a successor then reports READY to the previous
 * generation and, once that generation commits, every participant gets {@code serving} (the pid file, systemd's
 * {@code READY=1}, and whatever was added, e.g. the {@code ctl} control socket). SIGHUP triggers a restart.
 * <p>
 * The invariant and the error policy are stated once, in {@link dev.nserv.jetty.handoff the package} and in
 * {@link HandoverParticipant}.
 *
 * <pre>{@code
 * NservServer nserv = ...;                          // configured, not started
 * RestartSupport support = RestartSupport.install(nserv, new RestartOptions());
 * support.addParticipant(new ControlSocketParticipant(null));   // ctl; it names the control socket
 * nserv.start();                                    // adopts, starts, then runs the participants
 * support.getRestarter().restart();                 // or: java -jar nserv.jar ctl restart, or kill -HUP
 * }</pre>
 */
public final class RestartSupport implements NservServer.StartHook, Restarter.Events
{
    private static final Logger LOG = LoggerFactory.getLogger(RestartSupport.class);

    private final RestartOptions options;
    private final Map<String, String> env;
    private final InheritedListeners listeners = InheritedListeners.process();
    private final Restarter restarter;
    private final Handover handover;
    private final List<HandoverParticipant> participants = new CopyOnWriteArrayList<>();
    private final List<HandoverParticipant> builtIn;
    private final AtomicInteger hangups = new AtomicInteger();
    private HandoffClient handoff;

    private RestartSupport(NservServer nserv, RestartOptions options, Map<String, String> env)
    {
        this.options = options;
        this.env = env;
        this.restarter = new Restarter(nserv, listeners, this);
        restarter.setHistory(RestartHistory.inherited(env));
        this.handover = new Handover(nserv, restarter);
        restarter.setSuccessorCommand(options.getSuccessorCommand());
        restarter.setReadyTimeout(options.getReadyTimeout().toMillis());
        restarter.setClassDataArchives(options.getClassDataArchives());
        restarter.setStandbyDelay(options.getStandbyDelay(), options.getStandbyKey());
        SdNotifyParticipant sdNotify = new SdNotifyParticipant(new SdNotify(env.get("NOTIFY_SOCKET")));
        // systemd hears READY=1 last, once everything else serves
        // the exit of a handed-off generation (its archive dump) yields to the successor: last
        ExitPriority exit = new ExitPriority();
        // a successor's compiler yields from the moment it serves alone: after the participants that take over
        CompilerYield compiler = new CompilerYield(options.getCompilerYield());
        builtIn = options.getPidFile() == null ? List.of(sdNotify, compiler, exit)
            : List.of(new PidFileParticipant(new PidFile(options.getPidFile())), sdNotify, compiler, exit);
    }

    /**
     * Installs restart support; call before {@link NservServer#start()}.
     * @param nserv the server, configured and not started
     * @param options the settings
     * @return the installed support, for {@link #getRestarter()} and {@link #addParticipant}
     */
    public static RestartSupport install(NservServer nserv, RestartOptions options)
    {
        RestartSupport support = new RestartSupport(nserv, options, ProcessEnvironment.get());
        nserv.addStartHook(support);
        // webapps that read the generation while they initialize (before nserv sets the context attribute)
        Generation.publishProperty(nserv.getGeneration());
        // a bean of the server, so that Jetty's MBeanContainer exposes it as dev.nserv.jetty.handoff:type=restarter,id=0
        nserv.getServer().addBean(support.restarter);
        return support;
    }

    /**
     * Adds a participant in the changes of generation; before {@link NservServer#start()}. Participants run in the
     * order they were added, before the pid file and systemd's notification.
     * @param participant the participant
     * @return this
     */
    public RestartSupport addParticipant(HandoverParticipant participant)
    {
        if (participant == null)
            throw new IllegalArgumentException("participant must not be null");
        participants.add(participant);
        return this;
    }

    /**
     * @return the restarter, also the JMX MBean
     */
    public Restarter getRestarter()
    {
        return restarter;
    }

    /**
     * @return the settings this support was installed with
     */
    public RestartOptions getOptions()
    {
        return options;
    }

    @Override
    public void beforeStart(NservServer server) throws Exception
    {
        Server jetty = server.getServer();
        listeners.setRequireFd0(options.isInheritFd0());
        if (HandoffClient.isSuccessor(env))
        {
            // sockets come from the previous generation only; LISTEN_* and fd 0 are not this process's
            handoff = new HandoffClient(Path.of(env.get(HandoffProtocol.ENV_SOCKET)), env.getOrDefault(HandoffProtocol.ENV_TOKEN, ""), listeners);
            try
            {
                handoff.receive(jetty);
            }
            catch (IOException x)
            {
                handoff.failed(x.getMessage());
                throw x;
            }
            StartPhases.mark(StartPhases.HANDOFF);
            restarter.state().predecessor(new RestartState.Neighbour(handoff.previousGeneration(), handoff.previousPid(), null));
            handover.setPredecessor(handoff);
        }
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
        StartPhases.mark(StartPhases.SERVER_START);
        try
        {
            for (HandoverParticipant participant : all())
                participant.beforeReady(handover);
            StartPhases.mark(StartPhases.BEFORE_READY);
            if (handoff != null)
                handoff.ready();
            StartPhases.mark(StartPhases.READY);
        }
        catch (Exception x)
        {
            // the previous generation rolls back (or did already) and keeps serving
            if (handoff != null)
                handoff.failed(x.getMessage());
            throw x;
        }
        if (handoff != null)
        {
            handoff.commit(() -> restarter.state().predecessor(null));
            restarter.getHistory().successorCommitted();
        }
        // From here a successor serves alone: nothing below may abort its start, only be reported.
        for (HandoverParticipant participant : all())
        {
            try
            {
                participant.serving(handover);
            }
            catch (Exception x)
            {
                if (handoff == null)
                    throw x;
                LOG.error("generation {} serves, but {}", server.getGeneration(), x.getMessage(), x);
            }
        }
        restarter.serving();
    }

    private List<HandoverParticipant> all()
    {
        List<HandoverParticipant> all = new ArrayList<>(participants);
        all.addAll(builtIn);
        return all;
    }

    /** Runs one phase in which a failure is only logged, on every participant. */
    private void each(String phase, Phase call)
    {
        for (HandoverParticipant participant : all())
        {
            try
            {
                call.run(participant);
            }
            catch (Exception x)
            {
                LOG.warn("{} of {} failed: {}", phase, participant.getClass().getSimpleName(), x.getMessage(), x);
            }
        }
    }

    private interface Phase
    {
        void run(HandoverParticipant participant) throws Exception;
    }

    @Override
    public void handedOff(long successorPid)
    {
        handover.setSuccessorPid(successorPid);
        each("handedOff", p -> p.handedOff(handover));
    }

    @Override
    public void rolledBack(String cause)
    {
        each("rolledBack", p -> p.rolledBack(handover, cause));
    }

    private void restartOnHangup()
    {
        // Logged at once on the signal's own thread, before anything can fail or block: every SIGHUP leaves a line,
        // also one that arrives while a restart runs (it starts none) or while this generation drains and exits.
        int n = hangups.incrementAndGet();
        if (restarter.isRestartInProgress())
        {
            LOG.info("SIGHUP #{}: restart already in progress, no new one started ({})", n, restarter.getState());
            return;
        }
        LOG.info("SIGHUP #{}: restart requested", n);
        // the signal thread must return at once; the restart takes seconds
        Thread thread = new Thread(() ->
        {
            try
            {
                LOG.info("SIGHUP restart: {}", restarter.restartOrFail());
            }
            catch (RestartFailedException | RuntimeException x)
            {
                LOG.warn("SIGHUP restart: {}", x.getMessage());
            }
        }, "nserv-restart-sighup");
        thread.setDaemon(true);
        thread.start();
    }

    /** Reports a failed start to the previous generation, and runs the stop phases. */
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
            if (event != jetty)
                return;
            // a stop requested during a restart wins: the successor must not outlive it
            if (!restarter.state().isHandedOff())
                restarter.abortIfInProgress("generation " + handover.generation() + " is stopping");
            restarter.stopping();
            each("stopping", p -> p.stopping(handover));
        }

        @Override
        public void lifeCycleStopped(LifeCycle event)
        {
            if (event != jetty)
                return;
            // A restart rolled back by this stop must end its successor (and answer its trigger) before the JVM
            // exits: a successor left behind would find its predecessor gone and serve alone.
            if (!restarter.state().awaitIdle(restarter.getTerminateGrace().plusSeconds(10)))
                LOG.warn("a restart is still under way while generation {} stops", handover.generation());
            each("stopped", p -> p.stopped(handover));
            // tells a committed successor that this generation has stopped
            restarter.state().closeSuccessorConnection();
        }
    }
}
