package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.ThrottledServerConnector;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zero-downtime restart: starts the successor first, hands it every listening socket, and only when it reports
 * ready does this generation stop accepting and drain (graceful exit); otherwise the successor is ended and this
 * generation goes on serving (roll back).
 * <p>
 * Invariant: at any moment there are one or two generations, and at most one of them is not ready. So a restart
 * is refused while another is in progress, while this generation is not ready or stopping, and while the
 * previous generation is still draining.
 * <p>
 * Triggers: the JMX operation {@code restart} on {@code dev.nserv.jetty.handoff:type=restarter,id=0}, {@code
 * java -jar nserv.jar ctl restart}, and SIGHUP (all three end up in {@link #restart()}).
 *
 * <pre>{@code
 * Restarter restarter = RestartSupport.install(nserv, new RestartOptions()).getRestarter();
 * String summary = restarter.restart();   // blocks until the successor is ready, or throws
 * }</pre>
 */
@ManagedObject("Zero-downtime restart: start a successor, hand it the listening sockets, drain this generation once it is ready")
public class Restarter
{
    private static final Logger LOG = LoggerFactory.getLogger(Restarter.class);
    private static final int TAIL_LINES = 40;
    private static final int TAIL_LINES_IN_ERROR = 8;
    /** The longest wait for kept-alive connections to close after a response with Connection: close. */
    private static final long KEEP_ALIVE_WAIT_MS = 3000;

    private final NservServer nserv;
    private final ListenerRegistry registry;
    private final SdNotify sdNotify;
    private final AtomicBoolean inProgress = new AtomicBoolean();
    private volatile Duration readyTimeout = RestartOptions.DEFAULT_READY_TIMEOUT;
    private volatile Duration terminateGrace = Duration.ofSeconds(10);
    private volatile List<String> successorCommand;
    private volatile Path controlDirectory;
    private volatile Path controlSocket;
    private volatile String progress = "";
    private volatile long predecessorPid = -1;
    private volatile int predecessorGeneration;
    private volatile String handedOffTo;
    private volatile String lastResult = "none";
    private volatile LineChannel committedChannel;
    private volatile Consumer<String> abortCurrent = why -> { };

    Restarter(NservServer nserv, ListenerRegistry registry, SdNotify sdNotify)
    {
        this.nserv = nserv;
        this.registry = registry;
        this.sdNotify = sdNotify;
    }

    /**
     * @return the generation number of this process
     */
    @ManagedAttribute(value = "Generation: 1 for the first process, one more per restart", readonly = true)
    public int getGeneration()
    {
        return nserv.getGeneration();
    }

    /**
     * @return whether a restart is under way
     */
    @ManagedAttribute(value = "Whether a restart is under way", readonly = true)
    public boolean isRestartInProgress()
    {
        return inProgress.get();
    }

    /**
     * @return the ready timeout in milliseconds
     */
    @ManagedAttribute("Longest wait, in ms, for a successor to become ready before rolling back")
    public long getReadyTimeout()
    {
        return readyTimeout.toMillis();
    }

    /**
     * Sets how long a successor may take from its launch until it is ready.
     * @param ms milliseconds, at least 1000 (default 60000)
     */
    public void setReadyTimeout(long ms)
    {
        if (ms < 1000)
            throw new IllegalArgumentException("readyTimeout must be at least 1000 ms, was " + ms + " ms; a JVM takes about a second to start");
        readyTimeout = Duration.ofMillis(ms);
    }

    /**
     * Sets how long a rolled back successor gets between SIGTERM and SIGKILL.
     * @param grace at least 0 (default 10 s)
     */
    public void setTerminateGrace(Duration grace)
    {
        if (grace == null || grace.isNegative())
            throw new IllegalArgumentException("terminateGrace must be 0 or more, was " + grace);
        terminateGrace = grace;
    }

    /**
     * @return the successor command as one line
     */
    @ManagedAttribute(value = "Command that starts the successor (default: this process's own command line)", readonly = true)
    public String getSuccessorCommand()
    {
        List<String> command = successorCommand;
        if (command != null)
            return display(command);
        try
        {
            return display(CurrentCommand.get()) + " (this process's own command line)";
        }
        catch (IOException x)
        {
            return "unknown: " + x.getMessage();
        }
    }

    /**
     * @param command program and arguments, or {@code null} for this process's own command line
     */
    void setSuccessorCommand(List<String> command)
    {
        successorCommand = command == null ? null : List.copyOf(command);
    }

    void setControlSocket(Path socket)
    {
        controlSocket = socket;
        controlDirectory = socket.toAbsolutePath().getParent();
    }

    /**
     * @return the restart state, one line
     */
    @ManagedAttribute(value = "Restart state: idle, in progress, handed off, or waiting for the previous generation to stop", readonly = true)
    public String getState()
    {
        if (handedOffTo != null)
            return "handed off to " + handedOffTo + "; this generation is draining";
        if (inProgress.get())
            return "restart in progress: " + progress;
        if (predecessorPid > 0)
            return "waiting for generation " + predecessorGeneration + " (pid " + predecessorPid + ") to finish draining";
        return "idle";
    }

    /**
     * @return the outcome of the last restart attempt
     */
    @ManagedAttribute(value = "Outcome of the last restart attempt", readonly = true)
    public String getLastResult()
    {
        return lastResult;
    }

    /**
     * @return one line per listener: connector, address, socket inode, origin
     */
    @ManagedAttribute(value = "Listening sockets: connector, address, socket inode, origin", readonly = true)
    public List<String> getListeners()
    {
        return registry.describe(ListenerAdopter.serverConnectors(nserv.getServer()));
    }

    /**
     * A command line for logs and JMX, with the values of options that name a password replaced by {@code ***}.
     * @param command program and arguments
     * @return one line
     */
    static String display(List<String> command)
    {
        List<String> shown = new ArrayList<>();
        boolean secretNext = false;
        for (String arg : command)
        {
            String lower = arg.toLowerCase(Locale.ROOT);
            if (secretNext)
                shown.add("***");
            else if (lower.startsWith("-") && lower.contains("password") && arg.contains("="))
                shown.add(arg.substring(0, arg.indexOf('=') + 1) + "***");
            else
                shown.add(arg);
            secretNext = !secretNext && lower.startsWith("-") && lower.contains("password") && !arg.contains("=");
        }
        return String.join(" ", shown);
    }

    void setPredecessor(int generation, long pid)
    {
        predecessorGeneration = generation;
        predecessorPid = pid;
    }

    void predecessorGone()
    {
        predecessorPid = -1;
    }

    /**
     * Waits until no restart is under way, e.g. until a roll back has ended its successor.
     * @param timeout the longest wait
     * @return true when no restart is under way
     */
    boolean awaitNoRestart(Duration timeout)
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        try
        {
            while (inProgress.get())
            {
                if (System.nanoTime() - deadline >= 0)
                    return false;
                Thread.sleep(20);
            }
            return true;
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            return !inProgress.get();
        }
    }

    /**
     * @return the longest a roll back can take to end a successor
     */
    Duration getTerminateGrace()
    {
        return terminateGrace;
    }

    /**
     * Rolls back a restart under way, unless the successor was already committed.
     * @param why the cause, for the report
     */
    void abortIfInProgress(String why)
    {
        abortCurrent.accept(why);
    }

    boolean isHandedOff()
    {
        return handedOffTo != null;
    }

    /**
     * Closes the connection to a committed successor, telling it that this generation has stopped.
     */
    void closeHandoff()
    {
        LineChannel channel = committedChannel;
        committedChannel = null;
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (IOException ignored)
            {
                // the fd is released either way
            }
        }
    }

    /**
     * Restarts: returns once the successor serves and this generation drains, or fails and keeps serving.
     * @return a summary, e.g. {@code "generation 2 (pid 4321) ready after 1450 ms; generation 1 (pid 4242) drains"}
     * @throws IllegalStateException when a restart is in progress or not possible now, or when the restart failed
     * and was rolled back; the message names the cause
     */
    @ManagedOperation(value = "Zero-downtime restart: start the successor, hand over the listeners, drain this generation once the successor is ready; rolls back on failure", impact = "ACTION")
    public String restart()
    {
        try
        {
            return restartOrFail();
        }
        catch (RestartFailedException x)
        {
            // a plain JDK exception, so that any JMX client can read the cause
            throw new IllegalStateException(x.getMessage());
        }
    }

    /**
     * Like {@link #restart()}, with the roll back as a checked exception.
     * @return the summary
     * @throws RestartFailedException when the successor failed and this generation keeps serving
     * @throws IllegalStateException when a restart is in progress or not possible now
     */
    public String restartOrFail() throws RestartFailedException
    {
        if (!inProgress.compareAndSet(false, true))
            throw new IllegalStateException("restart in progress: " + progress + "; try again when it has finished");
        try
        {
            if (handedOffTo != null)
                throw new IllegalStateException("restart in progress: this generation already handed off to " + handedOffTo + " and is draining");
            if (nserv.isStopping())
                throw new IllegalStateException("cannot restart: generation " + nserv.getGeneration() + " is stopping");
            if (!nserv.isReady())
                throw new IllegalStateException("cannot restart: generation " + nserv.getGeneration() + " is not ready yet");
            if (predecessorPid > 0)
                throw new IllegalStateException("restart in progress: generation " + predecessorGeneration + " (pid " + predecessorPid +
                    ") is still draining; try again when it has stopped");
            if (controlDirectory == null)
                throw new IllegalStateException("cannot restart: the server has not finished starting");
            progress = "starting a successor";
            String summary = perform();
            lastResult = "ok: " + summary;
            return summary;
        }
        catch (RestartFailedException | RuntimeException x)
        {
            lastResult = "failed: " + x.getMessage();
            throw x;
        }
        finally
        {
            progress = "";
            inProgress.set(false);
        }
    }

    private String perform() throws RestartFailedException
    {
        long started = System.nanoTime();
        int nextGeneration = nserv.getGeneration() + 1;
        List<ServerConnector> connectors = ListenerAdopter.serverConnectors(nserv.getServer());
        List<String> names = new ArrayList<>();
        List<String> limits = new ArrayList<>();
        int[] fds = new int[HandoffProtocol.STDIO_FDS + connectors.size()];
        fds[0] = 1;
        fds[1] = 2;
        try
        {
            for (int i = 0; i < connectors.size(); i++)
            {
                ServerConnector connector = connectors.get(i);
                String name = ListenerRegistry.key(connector, i);
                if (!(connector.getTransport() instanceof ServerSocketChannel listener) || !listener.isOpen())
                    throw new RestartFailedException("restart failed: connector '" + name + "' has no open listening socket to hand over");
                names.add(name);
                limits.add(connector instanceof ThrottledServerConnector throttled ? Integer.toString(throttled.getMaxConnections()) : "");
                fds[HandoffProtocol.STDIO_FDS + i] = SocketFds.fdOf(listener);
            }
        }
        catch (IOException x)
        {
            throw new RestartFailedException("restart failed: " + x.getMessage());
        }

        List<String> command;
        try
        {
            command = successorCommand != null ? successorCommand : CurrentCommand.get();
        }
        catch (IOException x)
        {
            throw new RestartFailedException("restart failed: " + x.getMessage());
        }

        OutputTail tail = new OutputTail(TAIL_LINES);
        Decision decision = new Decision();
        HandoffListener listener = null;
        SuccessorProcess successor = null;
        LineChannel[] connection = new LineChannel[1];
        CompletableFuture<Void> watchdog = null;
        LineChannel committed;
        try
        {
            try
            {
                listener = new HandoffListener(controlDirectory);
            }
            catch (IOException x)
            {
                throw new RestartFailedException("restart failed: " + x.getMessage());
            }
            Map<String, String> env = new HashMap<>(System.getenv());
            SystemdListeners.VARIABLES.forEach(env::remove);
            env.put(HandoffProtocol.ENV_SOCKET, listener.path().toString());
            env.put(HandoffProtocol.ENV_TOKEN, listener.token());
            env.put(HandoffProtocol.ENV_GENERATION, Integer.toString(nextGeneration));
            LOG.info("restart: starting generation {}: {}", nextGeneration, display(command));
            try
            {
                successor = SuccessorProcess.start(command, env, tail);
            }
            catch (IOException x)
            {
                throw new RestartFailedException("restart failed: cannot start the successor [" + display(command) + "]: " + x.getMessage() +
                    "; generation " + nserv.getGeneration() + " keeps serving");
            }
            progress = "generation " + nextGeneration + " (pid " + successor.pid() + ") is starting";

            HandoffListener handoffListener = listener;
            SuccessorProcess process = successor;
            Runnable interrupt = () ->
            {
                handoffListener.close();
                LineChannel c = connection[0];
                if (c != null)
                {
                    try
                    {
                        c.close();
                    }
                    catch (IOException ignored)
                    {
                        // only wakes up the blocked read
                    }
                }
            };
            process.process().onExit().thenRun(() ->
            {
                if (decision.abort("the successor (pid " + process.pid() + ") " + SuccessorProcess.describeExit(process.process().exitValue()) + " before it was ready"))
                    interrupt.run();
            });
            abortCurrent = why ->
            {
                if (decision.abort(why))
                    interrupt.run();
            };
            Duration timeout = readyTimeout;
            watchdog = CompletableFuture.runAsync(() ->
            {
                if (decision.abort("the successor (pid " + process.pid() + ") was not ready within " + timeout.toMillis() + " ms"))
                    interrupt.run();
            }, CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS));

            LineChannel channel = listener.accept();
            connection[0] = channel;
            if (decision.cause() != null)
                interrupt.run();
            listener.close();
            PeerCredentials peer = PeerCredentials.of(channel.fd());
            if (peer.uid != Integer.toUnsignedLong(LibC.INSTANCE.getuid()) || !process.owns(peer.pid))
                throw new IOException("the handoff connection came from pid " + peer.pid + " (uid " + peer.uid + "), not from the successor (pid " + process.pid() + ")");
            String hello = channel.readLine();
            String[] words = hello == null ? new String[0] : hello.split(" ");
            if (words.length != 3 || !words[0].equals(HandoffProtocol.HELLO))
                throw new IOException("protocol error: the successor sent '" + hello + "' instead of HELLO");
            if (!MessageDigest.isEqual(words[1].getBytes(StandardCharsets.US_ASCII), listener.token().getBytes(StandardCharsets.US_ASCII)))
                throw new IOException("the successor presented a wrong handoff token");

            Path control = controlSocket;
            String handoff = HandoffProtocol.HANDOFF +
                " generation=" + nserv.getGeneration() +
                " pid=" + ProcessHandle.current().pid() +
                " control=" + HandoffProtocol.encode(control == null ? "" : control.toString()) +
                " listeners=" + HandoffProtocol.encodeList(names) +
                " limits=" + HandoffProtocol.encodeList(limits);
            channel.sendLineWithFds(handoff, fds);
            progress = "generation " + nextGeneration + " (pid " + process.pid() + ") has the listeners and is deploying";
            LOG.info("restart: handed {} listener(s) {} to generation {} (pid {}); waiting for it to be ready", names.size(), names, nextGeneration, process.pid());

            String reply = channel.readLine();
            if (reply == null)
                throw new IOException("the successor closed the handoff connection before it was ready");
            if (HandoffProtocol.command(reply).equals(HandoffProtocol.FAILED))
                throw new IOException("the successor failed to start: " + HandoffProtocol.argument(reply));
            if (!HandoffProtocol.command(reply).equals(HandoffProtocol.READY))
                throw new IOException("protocol error: the successor sent '" + reply + "' instead of READY");
            // Decide once: a timeout or an exit that raced with READY wins only if it came first.
            if (!decision.commit())
                throw new IOException(decision.cause());
            watchdog.cancel(false);
            try
            {
                channel.writeLine(HandoffProtocol.COMMIT);
            }
            catch (IOException x)
            {
                decision.uncommit("the successor went away just after it was ready: " + x.getMessage());
                throw new IOException(decision.cause(), x);
            }

            committed = channel;
        }
        catch (IOException | RuntimeException | RestartFailedException x)
        {
            decision.abort(x.getMessage() != null ? x.getMessage() : x.toString());
            String cause = decision.cause();
            if (x instanceof RestartFailedException && successor == null)
                throw (RestartFailedException)x;
            throw rollBack(cause, connection[0], successor, tail);
        }
        finally
        {
            abortCurrent = why -> { };
            if (watchdog != null)
                watchdog.cancel(false);
            if (listener != null)
                listener.close();
        }

        long readyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        handedOffTo = "generation " + nextGeneration + " (pid " + successor.pid() + ")";
        committedChannel = committed;
        sdNotify.notify("MAINPID=" + successor.pid() + "\nSTATUS=generation " + nextGeneration + " serving; generation " + nserv.getGeneration() + " draining");
        String summary = "generation " + nextGeneration + " (pid " + successor.pid() + ") ready after " + readyMs + " ms; generation " +
            nserv.getGeneration() + " (pid " + ProcessHandle.current().pid() + ") stops accepting and drains";
        LOG.info("restart: {}", summary);
        SuccessorProcess committedSuccessor = successor;
        Thread drain = new Thread(() ->
        {
            // the successor accepts on the same sockets already: no reason to wait for load balancers
            nserv.stopAfterHandoff();
            // let the successor's start-up output through before this generation's last lines
            committedSuccessor.awaitOutputEnd(Duration.ofSeconds(5));
        }, "nserv-handoff-drain");
        drain.start();
        return summary;
    }

    /** The one decision of a restart attempt: commit on READY, or abort on exit, timeout or failure, whichever comes first. */
    private static final class Decision
    {
        private String cause;
        private boolean committed;

        synchronized boolean abort(String why)
        {
            if (committed || cause != null)
                return false;
            cause = why;
            return true;
        }

        synchronized boolean commit()
        {
            if (cause != null)
                return false;
            committed = true;
            return true;
        }

        synchronized void uncommit(String why)
        {
            committed = false;
            cause = why;
        }

        synchronized String cause()
        {
            return cause;
        }
    }

    private RestartFailedException rollBack(String cause, LineChannel channel, SuccessorProcess successor, OutputTail tail)
    {
        if (channel != null)
        {
            try
            {
                channel.writeLine(HandoffProtocol.ABORT + " " + HandoffProtocol.encode(cause));
            }
            catch (IOException ignored)
            {
                // the successor is gone already
            }
            try
            {
                channel.close();
            }
            catch (IOException ignored)
            {
                // released either way
            }
        }
        String ending = successor == null ? "never started" : successor.terminate(terminateGrace);
        List<String> lines = tail.lines();
        StringBuilder log = new StringBuilder();
        for (String line : lines)
            log.append("\n  | ").append(line);
        LOG.warn("restart rolled back: {}; successor {}; generation {} keeps serving. Last {} line(s) of the successor's output:{}",
            cause, ending, nserv.getGeneration(), lines.size(), log);
        // stack frames say little to an operator reading a one-line error; the log above has them all
        List<String> messages = new ArrayList<>();
        for (String line : lines)
        {
            String trimmed = line.trim();
            if (!trimmed.startsWith("at ") && !(trimmed.startsWith("...") && trimmed.endsWith("more")) && !trimmed.isEmpty())
                messages.add(line);
        }
        List<String> last = messages.subList(Math.max(0, messages.size() - TAIL_LINES_IN_ERROR), messages.size());
        return new RestartFailedException("restart failed: " + cause + "; generation " + nserv.getGeneration() + " keeps serving" +
            (last.isEmpty() ? "; the successor wrote nothing" : "; last output of the successor: " + String.join(" | ", last)));
    }
}
