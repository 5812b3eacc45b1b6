package dev.nserv.jetty.supervise;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.sun.jna.LastErrorException;
import com.sun.jna.ptr.IntByReference;
import dev.nserv.jetty.Signals;
import dev.nserv.jetty.handoff.ExternalHandoff;
import dev.nserv.jetty.sockets.SocketFds;
import dev.nserv.jetty.sockets.SystemdListeners;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar nserv.jar --supervise ...}: holds the listening sockets (bound here, or systemd's), the pid file
 * and systemd's main pid; starts generation 1 with the same command line minus {@code --supervise}, as the old
 * side of an ordinary handoff; and when the serving generation dies unexpectedly starts the next one on the same
 * sockets at once. Its own copy of every listening socket stays open throughout, so clients that connect while
 * no generation accepts wait in the kernel's backlog instead of being refused.
 * <p>
 * It serves nothing and is not in the data path. Restarts go from generation to generation as without it (ctl,
 * SIGHUP or JMX to the serving generation; SIGHUP to the supervisor is forwarded there). Which process serves it
 * learns from each generation's {@link SupervisorLink}; it is a child subreaper, so a successor whose predecessor
 * has exited becomes its child, and it reaps such children itself with {@code waitpid} on their pid (never on -1,
 * so that the JDK keeps reaping the processes it started). SIGTERM or SIGINT: the serving generation (and any that
 * still drains) gets SIGTERM, the supervisor waits up to the stop timeout, kills what is left, and exits 0, or 1
 * if it had to kill. A generation that dies within 10 s of its start more than once in a row is a crash loop:
 * the next start waits 0.5 s, doubling to 30 s ({@link Backoff}).
 * <p>
 * (It is over 400 lines because the supervisor's one loop -- which process serves, which exit is expected, when to
 * start the next -- reads its events from four sources: its children, reparented generations, their messages and
 * signals; the decisions stay together so the one invariant, exactly one generation serving, can be checked in one
 * place. The message format, back-off, settings and the inbox socket are their own classes.)
 *
 * <pre>{@code
 * SupervisorSettings settings = new SupervisorSettings()
 *     .addListener(new SupervisorSettings.Listener("http", "127.0.0.1", 8080))
 *     .command(List.of("java", "-jar", "nserv.jar", "--port", "8080"))
 *     .directory(privateDirectory);
 * System.exit(new Supervisor(settings, System.out).run());
 * }</pre>
 */
public final class Supervisor
{
    /** Exit code when every generation exited on its own after SIGTERM. */
    public static final int EXIT_OK = 0;
    /** Exit code when a generation had to be killed, or the supervisor could not start. */
    public static final int EXIT_FAILED = 1;

    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
    private static final long POLL_MS = 50;
    private static final long REAP_EVERY_MS = 1000;
    private static final Duration TERMINATE_GRACE = Duration.ofSeconds(10);
    /**
     * The JVM options the {@code java} launcher reads from the environment: for the supervisor only (e.g. a small
     * heap), removed from the generations' environment, whose JVM options are those of the command line.
     */
    public static final String SUPERVISOR_JAVA_OPTIONS = "JDK_JAVA_OPTIONS";
    private static final Object STOP = "stop";
    private static final Object HANGUP = "hangup";

    private final SupervisorSettings settings;
    private final PrintStream out;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final List<String> names = new ArrayList<>();
    private final List<ServerSocketChannel> channels = new ArrayList<>();
    private final Map<Long, Process> own = new HashMap<>();
    private final Set<Long> adopted = new LinkedHashSet<>();
    private final Map<Long, String> reaped = new HashMap<>();
    private int[] fds = new int[0];
    private Inbox inbox;
    private volatile ExternalHandoff starting;
    private volatile boolean stopping;
    private long servingPid = -1;
    private int servingGeneration;
    private long servingSince;
    private int lastGeneration;
    private int crashes;
    private boolean ready;
    private long lastReap;

    /**
     * @param settings what to hold and start
     * @param out where the few lines for the operator go ({@code nserv: supervisor ...})
     */
    public Supervisor(SupervisorSettings settings, PrintStream out)
    {
        if (settings.command() == null || settings.directory() == null)
            throw new IllegalArgumentException("the supervisor needs the generations' command and a private directory");
        this.settings = settings;
        this.out = out;
    }

    /**
     * Runs until SIGTERM or SIGINT and the generations' exit.
     * @return the process exit code
     */
    public int run()
    {
        try
        {
            openListeners();
            try
            {
                Posix.INSTANCE.prctl(Posix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
            }
            catch (LastErrorException x)
            {
                LOG.warn("supervisor: cannot become a child subreaper (errno {}): successors are watched only while their predecessor lives", x.getErrorCode());
            }
            inbox = new Inbox(settings.directory().resolve("supervisor-" + ProcessHandle.current().pid() + ".sock"), queue);
            if (settings.pidFile() != null)
                ExternalHandoff.writePidFile(settings.pidFile());
            Signals.handle("TERM", this::requestStop);
            Signals.handle("INT", this::requestStop);
            Signals.handle("HUP", () -> queue.add(HANGUP));
        }
        catch (IOException | RuntimeException x)
        {
            out.println("nserv: error: supervisor: " + x.getMessage());
            out.flush();
            release();
            return EXIT_FAILED;
        }
        try
        {
            supervise();
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        return shutdown();
    }

    private void requestStop()
    {
        stopping = true;
        ExternalHandoff handoff = starting;
        if (handoff != null)
            handoff.abort("the supervisor is stopping");
        queue.add(STOP);
    }

    private void openListeners() throws IOException
    {
        long pid = ProcessHandle.current().pid();
        List<String> wanted = settings.listeners().stream().map(SupervisorSettings.Listener::name).toList();
        Map<String, Integer> activated = SystemdListeners.fdsByName(System.getenv(), pid, wanted);
        List<Integer> list = new ArrayList<>();
        for (SupervisorSettings.Listener listener : settings.listeners())
        {
            Integer fd = activated.get(listener.name());
            if (fd != null)
            {
                SocketFds.checkListeningTcp(fd, "fd " + fd + " from systemd (LISTEN_FDS) for connector '" + listener.name() + "'");
                SocketFds.setCloexec(fd);
                names.add(listener.name());
                list.add(fd);
                out.println("nserv: supervisor pid " + pid + " holds systemd's socket fd " + fd + " (connector '" + listener.name() + "')");
                continue;
            }
            ServerSocketChannel channel = ServerSocketChannel.open();
            channels.add(channel);
            InetSocketAddress address = listener.host() == null ? new InetSocketAddress(listener.port()) : new InetSocketAddress(listener.host(), listener.port());
            try
            {
                channel.bind(address, settings.backlog());
            }
            catch (IOException x)
            {
                throw new IOException("cannot listen on " + address + " for connector '" + listener.name() + "': " + x.getMessage(), x);
            }
            names.add(listener.name());
            list.add(SocketFds.fdOf(channel));
            InetSocketAddress bound = (InetSocketAddress)channel.getLocalAddress();
            out.println("nserv: supervisor pid " + pid + " holds " + listener.name() + "://" + bound.getHostString() + ":" + bound.getPort() + "/ (connector '" + listener.name() + "')");
        }
        fds = list.stream().mapToInt(Integer::intValue).toArray();
        out.flush();
    }

    private void supervise() throws InterruptedException
    {
        Duration delay = Duration.ZERO;
        while (!stopping)
        {
            if (!delay.isZero())
            {
                LOG.warn("supervisor: crash loop: the next generation starts in {} ms", delay.toMillis());
                if (pause(delay))
                    return;
            }
            int generation = ++lastGeneration;
            long attempt = System.nanoTime();
            if (!start(generation))
            {
                if (stopping)
                    return;
                delay = settings.backoff().next(Duration.ofNanos(System.nanoTime() - attempt));
                continue;
            }
            String ending = watch();
            if (ending == null)
                return;
            crashes++;
            Duration uptime = Duration.ofNanos(System.nanoTime() - servingSince);
            // a crash loop is a generation started here that dies soon; generations started by restarts in
            // between count to the run since that start
            delay = settings.backoff().next(Duration.ofNanos(System.nanoTime() - attempt));
            LOG.error("supervisor: generation {} (pid {}) {} after {} ms of serving (restarts after crashes: {}); {}", servingGeneration, servingPid, ending,
                uptime.toMillis(), crashes, delay.isZero() ? "starting the next generation now" : "crash loop");
            servingPid = -1;
        }
    }

    /**
     * Starts one generation on the listeners and waits until it is ready and committed.
     * @return whether it serves
     */
    private boolean start(int generation) throws InterruptedException
    {
        lastGeneration = Math.max(lastGeneration, generation);
        ExternalHandoff handoff;
        try
        {
            handoff = new ExternalHandoff(settings.directory());
        }
        catch (IOException x)
        {
            LOG.error("supervisor: cannot start generation {}: {}", generation, x.getMessage());
            return false;
        }
        Process process;
        try
        {
            Map<String, String> env = handoff.environment(generation);
            // the supervisor is systemd's main process and owns the pid file; generations keep out of both
            env.remove("NOTIFY_SOCKET");
            // the supervisor's own JVM options (a small heap); the generations' are on the command line
            env.remove(SUPERVISOR_JAVA_OPTIONS);
            env.put(SupervisorLink.ENV_SOCKET, inbox.path().toString());
            ProcessBuilder builder = new ProcessBuilder(settings.command());
            builder.environment().clear();
            builder.environment().putAll(env);
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.redirectOutput(ProcessBuilder.Redirect.INHERIT);
            builder.redirectError(ProcessBuilder.Redirect.INHERIT);
            synchronized (own)
            {
                process = builder.start();
                own.put(process.pid(), process);
            }
        }
        catch (IOException x)
        {
            handoff.close();
            LOG.error("supervisor: cannot start generation {} {}: {}", generation, settings.command(), x.getMessage());
            return false;
        }
        long pid = process.pid();
        LOG.info("supervisor: starting generation {} (pid {})", generation, pid);
        starting = handoff;
        if (stopping)
            handoff.abort("the supervisor is stopping");
        process.onExit().thenRun(() -> handoff.abort("generation " + generation + " (pid " + pid + ") " + describeExit(process.exitValue()) + " before it was ready"));
        long timeout = settings.readyTimeout().toMillis();
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() -> handoff.abort("generation " + generation + " (pid " + pid + ") was not ready within " + timeout + " ms"),
            CompletableFuture.delayedExecutor(timeout, TimeUnit.MILLISECONDS));
        long begun = System.nanoTime();
        try
        {
            handoff.offer(0, names, fds, peer -> peer == pid || process.descendants().anyMatch(p -> p.pid() == peer));
            handoff.awaitReady();
            handoff.commit();
        }
        catch (IOException | RuntimeException x)
        {
            String cause = handoff.rollBack(x.getMessage() != null ? x.getMessage() : x.toString());
            String ending = terminate(process);
            LOG.error("supervisor: generation {} did not start: {}; it {}", generation, cause, ending);
            return false;
        }
        finally
        {
            starting = null;
            watchdog.cancel(false);
            // at once: the generation must not think a predecessor still drains (it would refuse restarts)
            handoff.close();
        }
        servingPid = pid;
        servingGeneration = generation;
        servingSince = System.nanoTime();
        out.println("nserv: supervisor: generation " + generation + " (pid " + pid + ") serves, ready after " +
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begun) + " ms" + (crashes > 0 ? "; restarts after crashes: " + crashes : ""));
        out.flush();
        if (!ready)
        {
            ready = true;
            ExternalHandoff.notifySystemd("READY=1\nSTATUS=generation " + generation + " serving (supervised)");
        }
        else
        {
            ExternalHandoff.notifySystemd("STATUS=generation " + generation + " serving (supervised; restarts after crashes: " + crashes + ")");
        }
        return true;
    }

    /**
     * Follows the serving generation through restarts until it dies or a stop is requested.
     * @return how the serving generation ended, or {@code null} for a stop
     */
    private String watch() throws InterruptedException
    {
        while (true)
        {
            Object item = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
            if (item == STOP || stopping)
                return null;
            if (item == HANGUP)
                forwardHangup();
            else if (item instanceof SupervisorMessage message)
                handle(message);
            reapStrays(false);
            String ending = exitOf(servingPid);
            if (ending != null)
                return ending;
        }
    }

    /** Waits, following messages; returns true when a stop was requested. */
    private boolean pause(Duration delay) throws InterruptedException
    {
        long end = System.nanoTime() + delay.toNanos();
        while (System.nanoTime() < end)
        {
            Object item = queue.poll(Math.min(POLL_MS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))), TimeUnit.MILLISECONDS);
            if (item == STOP || stopping)
                return true;
            if (item instanceof SupervisorMessage message)
                handle(message);
            reapStrays(false);
        }
        return false;
    }

    void handle(SupervisorMessage message)
    {
        lastGeneration = Math.max(lastGeneration, message.generation() + (message.kind() == SupervisorMessage.Kind.HANDED_OFF ? 1 : 0));
        if (message.kind() == SupervisorMessage.Kind.HANDED_OFF)
        {
            adopted.add(message.pid());
            adopted.add(message.successor());
            if (message.pid() == servingPid || message.generation() >= servingGeneration)
                serves(message.successor(), message.generation() + 1, "generation " + message.generation() + " (pid " + message.pid() + ") handed off to it");
            return;
        }
        adopted.add(message.pid());
        if (message.pid() == servingPid)
            return;
        if (message.generation() > servingGeneration || exitOf(servingPid) != null)
        {
            serves(message.pid(), message.generation(), "it reports serving");
            return;
        }
        // e.g. a successor whose predecessor was killed before it decided serves alone next to the one started here
        LOG.warn("supervisor: generation {} (pid {}) reports serving next to generation {} (pid {}): stopping it", message.generation(), message.pid(),
            servingGeneration, servingPid);
        signal(message.pid(), Posix.SIGTERM);
    }

    private void serves(long pid, int generation, String why)
    {
        if (pid == servingPid)
            return;
        LOG.info("supervisor: generation {} (pid {}) serves: {}", generation, pid, why);
        servingPid = pid;
        servingGeneration = generation;
        servingSince = System.nanoTime();
    }

    private void forwardHangup()
    {
        if (servingPid <= 0)
        {
            LOG.warn("supervisor: SIGHUP ignored: no generation serves yet");
            return;
        }
        LOG.info("supervisor: SIGHUP: asking generation {} (pid {}) to restart", servingGeneration, servingPid);
        signal(servingPid, Posix.SIGHUP);
    }

    private static void signal(long pid, int signal)
    {
        try
        {
            Posix.INSTANCE.kill((int)pid, signal);
        }
        catch (LastErrorException x)
        {
            LOG.debug("kill({}, {}) failed: errno {}", pid, signal, x.getErrorCode());
        }
    }

    /**
     * @return how the process ended, or {@code null} while it lives (a zombie of this process is reaped here)
     */
    String exitOf(long pid)
    {
        if (pid <= 0)
            return "is unknown";
        synchronized (own)
        {
            Process process = own.get(pid);
            if (process != null)
                return process.isAlive() ? null : describeExit(process.exitValue());
            String ending = reaped.get(pid);
            if (ending != null)
                return ending;
            ending = reap(pid);
            if (ending != null)
                return ending;
        }
        // not (yet) a child of this process: its parent, a generation, reaps it
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? null : "exited (reaped by the generation that started it)";
    }

    /** waitpid on one child that the JDK did not start; the caller holds the lock on {@code own}. */
    private String reap(long pid)
    {
        IntByReference status = new IntByReference();
        try
        {
            int done = Posix.INSTANCE.waitpid((int)pid, status, Posix.WNOHANG);
            if (done != pid)
                return null;
            String ending = describeStatus(status.getValue());
            reaped.put(pid, ending);
            LOG.debug("supervisor: reaped pid {}: {}", pid, ending);
            return ending;
        }
        catch (LastErrorException x)
        {
            // ECHILD: not a child of this process (yet)
            return null;
        }
    }

    /**
     * Reaps children that the JDK did not start: generations reparented here that have exited.
     * @param now whether to do it now, else at most once a second
     */
    private void reapStrays(boolean now)
    {
        long at = System.nanoTime();
        if (!now && TimeUnit.NANOSECONDS.toMillis(at - lastReap) < REAP_EVERY_MS)
            return;
        lastReap = at;
        synchronized (own)
        {
            own.values().removeIf(process -> !process.isAlive() && process.pid() != servingPid);
            for (ProcessHandle child : ProcessHandle.current().children().toList())
            {
                if (!own.containsKey(child.pid()))
                    reap(child.pid());
            }
            adopted.removeIf(pid -> pid != servingPid && reaped.containsKey(pid));
            if (reaped.size() > 1000)
                reaped.clear();
        }
    }

    static String describeStatus(int status)
    {
        int signal = status & 0x7f;
        if (signal == 0)
            return "exited with code " + ((status >> 8) & 0xff);
        return "was killed by signal " + signal;
    }

    static String describeExit(int code)
    {
        if (code > 128 && code < 160)
            return "was killed by signal " + (code - 128);
        return "exited with code " + code;
    }

    private static String terminate(Process process)
    {
        try
        {
            List<ProcessHandle> descendants = process.descendants().toList();
            if (process.isAlive())
            {
                process.destroy();
                if (!process.waitFor(TERMINATE_GRACE.toMillis(), TimeUnit.MILLISECONDS))
                {
                    descendants.forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            }
            int code = process.waitFor();
            descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            return describeExit(code);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return "was killed";
        }
    }

    /** SIGTERM to every generation, wait up to the stop timeout, kill what is left. */
    private int shutdown()
    {
        stopping = true;
        ExternalHandoff.notifySystemd("STOPPING=1");
        Set<Long> pids = livePids();
        LOG.info("supervisor: stopping; SIGTERM to {}", pids);
        for (long pid : pids)
            signal(pid, Posix.SIGTERM);
        long deadline = System.nanoTime() + settings.stopTimeout().toNanos();
        while (!pids.isEmpty() && System.nanoTime() < deadline)
        {
            try
            {
                Thread.sleep(POLL_MS);
            }
            catch (InterruptedException x)
            {
                Thread.currentThread().interrupt();
                break;
            }
            reapStrays(true);
            pids.removeIf(pid -> exitOf(pid) != null);
            // a generation that started a successor just before the stop: the successor is rolled back and reaped by it
        }
        int code = EXIT_OK;
        if (!pids.isEmpty())
        {
            LOG.error("supervisor: {} did not exit within {} ms of SIGTERM: SIGKILL", pids, settings.stopTimeout().toMillis());
            code = EXIT_FAILED;
            for (long pid : pids)
            {
                ProcessHandle.of(pid).ifPresent(handle ->
                {
                    handle.descendants().forEach(ProcessHandle::destroyForcibly);
                    handle.destroyForcibly();
                });
            }
            long killDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!pids.isEmpty() && System.nanoTime() < killDeadline)
            {
                reapStrays(true);
                pids.removeIf(pid -> exitOf(pid) != null);
                try
                {
                    Thread.sleep(POLL_MS);
                }
                catch (InterruptedException x)
                {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        reapStrays(true);
        release();
        out.println("nserv: supervisor stopped (restarts after crashes: " + crashes + ")");
        out.flush();
        return code;
    }

    private Set<Long> livePids()
    {
        Set<Long> pids = new LinkedHashSet<>();
        if (servingPid > 0)
            pids.add(servingPid);
        synchronized (own)
        {
            pids.addAll(own.keySet());
            pids.addAll(adopted);
            for (ProcessHandle child : ProcessHandle.current().children().toList())
                pids.add(child.pid());
        }
        pids.removeIf(pid -> exitOf(pid) != null);
        return pids;
    }

    private void release()
    {
        if (inbox != null)
            inbox.close();
        for (ServerSocketChannel channel : channels)
        {
            try
            {
                channel.close();
            }
            catch (IOException x)
            {
                LOG.debug("closing a listener", x);
            }
        }
        if (settings.pidFile() != null)
            ExternalHandoff.removePidFileIfOwn(settings.pidFile());
    }

    /**
     * @return the restarts after crashes so far
     */
    int crashes()
    {
        return crashes;
    }
}
