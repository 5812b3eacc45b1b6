package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.ProcessEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a successor process comes to be, for {@link Restarter}: from the {@linkplain StandbyKeeper standby} when
 * there is a usable one, else started from its command -- this process's own command line (with the opens it needs,
 * a {@linkplain MetaspaceSizing metaspace threshold} and the class-data archive's options) or {@code --successor-command} -- and in both cases with the environment of
 * the restart (handoff socket and token, generation, archive options, restart history). It also starts the standby
 * itself, with the command and environment a fresh successor would get.
 */
final class SuccessorLaunch
{
    private static final Logger LOG = LoggerFactory.getLogger(SuccessorLaunch.class);
    private static final int TAIL_LINES = 40;

    /** A started successor, and where its last lines are kept for a roll back report. */
    record Launched(SuccessorProcess process, OutputTail tail)
    {
    }

    private final NservServer nserv;
    private final Supplier<RestartHistory> history;
    private final StandbyKeeper standby = new StandbyKeeper(this::startStandby);
    private volatile List<String> successorCommand;
    private volatile ClassDataArchives archives;
    private volatile Supplier<String> standbyKey = () -> "";

    SuccessorLaunch(NservServer nserv, Supplier<RestartHistory> history)
    {
        this.nserv = nserv;
        this.history = history;
    }

    List<String> successorCommand()
    {
        return successorCommand;
    }

    void setSuccessorCommand(List<String> command)
    {
        successorCommand = command == null ? null : List.copyOf(command);
    }

    void setClassDataArchives(ClassDataArchives archives)
    {
        this.archives = archives;
    }

    void setStandby(Duration delay, Supplier<String> key)
    {
        standby.setDelay(delay);
        standbyKey = key;
    }

    StandbyKeeper standby()
    {
        return standby;
    }

    /**
     * Starts the successor of a restart.
     * @param next its generation
     * @param handoff the restart's handoff server (closed here when no successor could be started)
     * @param startMillis when the restart began, for the history
     * @param grace how long a standby that cannot be used may take to end
     * @return the successor
     * @throws RestartFailedException when it could not be started; this generation keeps serving
     */
    Launched start(int next, HandoffServer handoff, long startMillis, Duration grace) throws RestartFailedException
    {
        Standby prepared = standby.take(next, standbyKey.get(), grace);
        if (prepared != null)
        {
            SuccessorProcess process = go(prepared, next, handoff, startMillis, grace);
            if (process != null)
                return new Launched(process, prepared.tail());
        }
        OutputTail tail = new OutputTail(TAIL_LINES);
        return new Launched(startFresh(next, handoff, tail, startMillis), tail);
    }

    private SuccessorProcess startFresh(int next, HandoffServer handoff, OutputTail tail, long startMillis) throws RestartFailedException
    {
        List<String> own = successorCommand;
        List<String> command;
        try
        {
            command = own != null ? own : ownCommand();
        }
        catch (IOException x)
        {
            handoff.close();
            throw new RestartFailedException("restart failed: " + x.getMessage());
        }
        ClassDataArchives cds = archives;
        ClassDataArchives.Plan plan = cds == null ? null : cds.plan(command, own == null);
        if (plan != null)
        {
            LOG.info("restart: generation {} {}", next, plan.description());
            command = plan.command();
        }
        LOG.info("restart: starting generation {}: {}", next, CommandLineDisplay.of(command));
        SuccessorProcess process;
        try
        {
            process = SuccessorProcess.start(command, restartEnvironment(handoff, next, command, plan, startMillis), tail);
        }
        catch (IOException x)
        {
            handoff.close();
            throw new RestartFailedException("restart failed: cannot start the successor [" + CommandLineDisplay.of(command) + "]: " + x.getMessage() +
                "; generation " + nserv.getGeneration() + " keeps serving");
        }
        if (plan != null)
            cds.started(plan, process.pid());
        return process;
    }

    /** Starts the restart in the standby; null when it could not be told (it is then ended). */
    private SuccessorProcess go(Standby prepared, int next, HandoffServer handoff, long startMillis, Duration grace)
    {
        try
        {
            SuccessorProcess process = prepared.go(restartEnvironment(handoff, next, prepared.command(), prepared.plan(), startMillis));
            LOG.info("restart: generation {} is the standby (pid {}), started {} s before", next, prepared.pid(), prepared.age().toSeconds());
            return process;
        }
        catch (IOException x)
        {
            LOG.warn("restart: {}; starting a fresh successor instead", x.getMessage());
            prepared.process().terminate(grace);
            return null;
        }
    }

    /** This process's own command line for a successor: with the opens it needs and a metaspace threshold. */
    private static List<String> ownCommand() throws IOException
    {
        return MetaspaceSizing.ownCommand(SuccessorOpens.ownCommand(CurrentCommand.get()), ProcessEnvironment.get());
    }

    private Map<String, String> restartEnvironment(HandoffServer handoff, int next, List<String> command, ClassDataArchives.Plan plan, long startMillis)
    {
        Map<String, String> env = new HashMap<>(handoff.successorEnvironment(next));
        completeEnvironment(env, command, plan);
        history.get().passTo(env, startMillis);
        return env;
    }

    private static void completeEnvironment(Map<String, String> env, List<String> command, ClassDataArchives.Plan plan)
    {
        env.put(ClassDataArchives.ENV_OPTIONS, plan == null ? "" : plan.envValue());
        SuccessorOpens.environment(command, env);
    }

    /** Starts a standby for the next generation, with the command and environment a fresh successor would get. */
    private Standby startStandby() throws IOException
    {
        if (successorCommand != null)
            throw new IOException("a standby needs the default successor command, and --successor-command is set");
        if (nserv.getPid() == 1)
            throw new IOException("this process is PID 1 of its PID namespace, where a restart is refused");
        int next = nserv.getGeneration() + 1;
        List<String> command = ownCommand();
        ClassDataArchives cds = archives;
        ClassDataArchives.Plan plan = cds == null ? null : cds.plan(command, true);
        if (plan != null)
            command = plan.command();
        Map<String, String> env = HandoffServer.baseEnvironment(next);
        completeEnvironment(env, command, plan);
        env.put(ProcessEnvironment.STANDBY_ENV, "1");
        Standby started = Standby.start(command, env, next, standbyKey.get(), plan, LoadedClasses.ofServer(), LoadedClasses.codeFiles(), new OutputTail(TAIL_LINES));
        if (plan != null)
            cds.started(plan, started.pid());
        LOG.info("restart: standby for generation {} started (pid {}){}", next, started.pid(), plan == null ? "" : "; " + plan.description());
        return started;
    }
}
