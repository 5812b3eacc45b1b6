package dev.nserv.jetty.handoff;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A successor process started by a plain {@link ProcessBuilder}, which gives it only fds 0-2: stdin is /dev/null,
 * stdout and stderr are pipes that this generation copies to its own stdout and stderr (so both generations log
 * to the same place) while keeping the last lines for a roll back report. Once the successor is committed it
 * puts the real stdout and stderr (received in the handoff) on its fds 1 and 2; the pipes then end.
 * <p>
 * {@link #terminate(Duration)} ends a successor that is rolled back: SIGTERM, a grace period, then SIGKILL for it
 * and its descendants, and always a wait, so that no zombie and no orphan remains.
 */
final class SuccessorProcess
{
    private static final Logger LOG = LoggerFactory.getLogger(SuccessorProcess.class);

    private final Process process;
    private final OutputTail tail;
    private final Thread[] pumps = new Thread[2];

    private SuccessorProcess(Process process, OutputTail tail, PrintStream out, PrintStream err)
    {
        this.process = process;
        this.tail = tail;
        pumps[0] = pump(process.getInputStream(), out, 0);
        pumps[1] = pump(process.getErrorStream(), err, 1);
    }

    /**
     * Starts a successor.
     * @param command the program and its arguments
     * @param env the complete environment of the successor
     * @param tail where to keep its last lines
     * @return the running successor
     * @throws IOException when the program cannot be started (e.g. it does not exist)
     */
    static SuccessorProcess start(List<String> command, Map<String, String> env, OutputTail tail) throws IOException
    {
        return start(command, env, tail, false);
    }

    /**
     * Starts a successor.
     * @param command the program and its arguments
     * @param env the complete environment of the successor
     * @param tail where to keep its last lines
     * @param pipeInput whether its stdin is a pipe from here ({@link #input()}, for a standby) instead of /dev/null
     * @return the running successor
     * @throws IOException when the program cannot be started (e.g. it does not exist)
     */
    static SuccessorProcess start(List<String> command, Map<String, String> env, OutputTail tail, boolean pipeInput) throws IOException
    {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(env);
        builder.redirectInput(pipeInput ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.redirectOutput(ProcessBuilder.Redirect.PIPE);
        builder.redirectError(ProcessBuilder.Redirect.PIPE);
        Process process = builder.start();
        // the whole-line streams, not System.out: with JSON logs that turns each line into an event of its own
        return new SuccessorProcess(process, tail, dev.nserv.jetty.logging.StandardStreams.out(), dev.nserv.jetty.logging.StandardStreams.err());
    }

    private Thread pump(InputStream in, PrintStream target, int stream)
    {
        Thread thread = new Thread(() ->
        {
            byte[] buffer = new byte[8192];
            // a read may end inside a line: pass on whole lines only, so that the successor's lines never mix
            // with this generation's own
            dev.nserv.jetty.logging.WholeLineOutputStream lines = new dev.nserv.jetty.logging.WholeLineOutputStream(target);
            try (in)
            {
                int read;
                while ((read = in.read(buffer)) >= 0)
                {
                    tail.add(stream, buffer, 0, read);
                    lines.write(buffer, 0, read);
                }
                lines.endLine();
            }
            catch (IOException x)
            {
                LOG.debug("successor output pump ended", x);
            }
        }, "nserv-successor-" + (stream == 0 ? "stdout" : "stderr"));
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * @return the pipe to the successor's stdin (when started with {@code pipeInput})
     */
    java.io.OutputStream input()
    {
        return process.getOutputStream();
    }

    long pid()
    {
        return process.pid();
    }

    Process process()
    {
        return process;
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * Tells whether {@code pid} is the successor or one of its descendants (a wrapper script may fork java).
     * @param pid a process id
     * @return true when it belongs to the successor
     */
    boolean owns(long pid)
    {
        if (pid == process.pid())
            return true;
        return process.descendants().anyMatch(p -> p.pid() == pid);
    }

    /**
     * Waits until the successor's stdout and stderr pipes have ended, i.e. it moved to the real ones or exited.
     * @param timeout the longest wait
     * @return true when both ended
     */
    boolean awaitOutputEnd(Duration timeout)
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        try
        {
            for (Thread pump : pumps)
            {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left > 0)
                    pump.join(left);
            }
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        return !pumps[0].isAlive() && !pumps[1].isAlive();
    }

    /**
     * Ends the successor and reaps it: SIGTERM (its graceful stop serves what it accepted), then after
     * {@code grace} SIGKILL for it and its descendants.
     * @param grace how long to wait after SIGTERM
     * @return how it ended, e.g. {@code "exited with code 3"}
     */
    String terminate(Duration grace)
    {
        List<ProcessHandle> descendants = process.descendants().toList();
        try
        {
            if (process.isAlive())
            {
                process.destroy();
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS))
                {
                    LOG.warn("successor pid {} did not exit {} ms after SIGTERM: SIGKILL", process.pid(), grace.toMillis());
                    for (ProcessHandle child : descendants)
                        child.destroyForcibly();
                    process.destroyForcibly();
                }
            }
            int code = process.waitFor();
            // descendants that outlived their parent would be orphans: kill them too
            for (ProcessHandle child : descendants)
            {
                if (child.isAlive())
                    child.destroyForcibly();
            }
            awaitOutputEnd(Duration.ofSeconds(5));
            return describeExit(code);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return "killed (interrupted while waiting)";
        }
    }

    static String describeExit(int code)
    {
        if (code > 128 && code < 160)
            return "exited on signal " + (code - 128) + " (code " + code + ")";
        return "exited with code " + code;
    }
}
