package dev.nserv.jetty.handoff;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.nserv.jetty.ctl.Ctl;

import static org.awaitility.Awaitility.await;

/**
 * Test support for subprocess tests of nserv.jar: starts the first generation, collects the output of every
 * generation (successors write to the same stdout), remembers every pid it sees, runs ctl in-process, and kills
 * and reaps everything in {@link #close()}.
 */
final class NservProcesses implements AutoCloseable
{
    private static final Pattern LISTENING = Pattern.compile("nserv: listening on https?://127\\.0\\.0\\.1:(\\d+)/ \\(connector '(\\w+)'\\)");
    private static final Pattern PID = Pattern.compile("pid[:= ]+(\\d+)");

    final Path jar = Path.of(System.getProperty("nserv.jar", "target/nserv.jar")).toAbsolutePath();
    final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final Set<Long> pids = ConcurrentHashMap.newKeySet();
    private final List<Process> started = new CopyOnWriteArrayList<>();
    private final List<Path> logs = new CopyOnWriteArrayList<>();
    private Path stateDir;
    private volatile boolean closed;

    /** The answer of one ctl run. */
    static final class CtlResult
    {
        final int code;
        final String out;
        final String err;

        CtlResult(int code, String out, String err)
        {
            this.code = code;
            this.out = out;
            this.err = err;
        }

        @Override
        public String toString()
        {
            return "exit " + code + "\n" + out + err;
        }
    }

    /**
     * Starts a process whose stdout and stderr are collected; stdin is /dev/null unless redirected.
     * @param env extra environment
     * @param command the command
     * @return the process
     * @throws IOException when it cannot start
     */
    Process start(Map<String, String> env, List<String> command) throws IOException
    {
        // A file, not a pipe: the JDK closes a child's pipe once that child exits, and successors outlive it.
        Path log = Files.createTempFile("nserv-it-", ".log");
        logs.add(log);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        Process process = builder.start();
        started.add(process);
        pids.add(process.pid());
        Thread reader = new Thread(() -> follow(log), "nserv-it-output");
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    private void follow(Path log)
    {
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(log.toFile(), "r"))
        {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            while (!closed)
            {
                int read = file.read(buffer);
                if (read <= 0)
                {
                    Thread.sleep(20);
                    continue;
                }
                for (int i = 0; i < read; i++)
                {
                    if (buffer[i] == '\n')
                    {
                        addLine(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    }
                    else
                    {
                        line.write(buffer[i]);
                    }
                }
            }
        }
        catch (IOException | InterruptedException ignored)
        {
            // test support: the log is gone or the test is over
        }
    }

    private void addLine(String line)
    {
        output.add(line);
        Matcher pid = PID.matcher(line);
        while (pid.find())
            pids.add(Long.parseLong(pid.group(1)));
    }

    /**
     * @param args nserv arguments
     * @return the command line of {@code java -jar nserv.jar args}
     */
    List<String> nserv(String... args)
    {
        List<String> command = new ArrayList<>(List.of(java.toString(), "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        command.addAll(List.of(args));
        // sessions and class-data archives in a directory of this test, removed at close, not in the user's home
        if (!command.contains("--state-dir"))
            command.addAll(List.of("--state-dir", stateDir().toString()));
        return command;
    }

    /**
     * @return a state directory for the processes of this test, removed by {@link #close()}
     */
    synchronized Path stateDir()
    {
        if (stateDir == null)
        {
            try
            {
                stateDir = Files.createTempDirectory("nserv-it-state-");
            }
            catch (IOException x)
            {
                throw new UncheckedIOException(x);
            }
        }
        return stateDir;
    }

    /**
     * Waits until the output names the local port of a connector.
     * @param connector the connector name, e.g. {@code http}
     * @return the port
     */
    int awaitPort(String connector)
    {
        int[] port = new int[1];
        await().atMost(Duration.ofSeconds(60)).until(() ->
        {
            for (String line : output)
            {
                Matcher m = LISTENING.matcher(line);
                if (m.find() && m.group(2).equals(connector))
                {
                    port[0] = Integer.parseInt(m.group(1));
                    return true;
                }
            }
            return false;
        });
        return port[0];
    }

    List<String> output()
    {
        return Collections.unmodifiableList(output);
    }

    String outputText()
    {
        return String.join("\n", output);
    }

    /**
     * Runs {@code java -jar nserv.jar ctl args} in this JVM.
     * @param args ctl arguments
     * @return exit code and output
     */
    CtlResult ctl(String... args)
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Ctl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String outText = out.toString(StandardCharsets.UTF_8);
        Matcher pid = PID.matcher(outText + err.toString(StandardCharsets.UTF_8));
        while (pid.find())
            pids.add(Long.parseLong(pid.group(1)));
        return new CtlResult(code, outText, err.toString(StandardCharsets.UTF_8));
    }

    /**
     * @param status the output of ctl status
     * @param key a key, e.g. {@code pid}
     * @return its value
     */
    static String field(String status, String key)
    {
        for (String line : status.split("\n"))
        {
            if (line.startsWith(key + ": "))
                return line.substring(key.length() + 2).trim();
        }
        throw new AssertionError("no '" + key + "' in status:\n" + status);
    }

    /**
     * @param port a local TCP port
     * @return the inodes of the LISTEN sockets on that port, from /proc/net/tcp and tcp6
     * @throws IOException when /proc cannot be read
     */
    static List<Long> listenInodes(int port) throws IOException
    {
        List<Long> inodes = new ArrayList<>();
        String hexPort = String.format(":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6"))
        {
            for (String line : Files.readAllLines(Path.of(table)))
            {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(hexPort) && f[3].equals("0A"))
                    inodes.add(Long.parseLong(f[9]));
            }
        }
        return inodes;
    }

    /**
     * @param pid a process
     * @return the targets of its open fds ({@code socket:[N]}, paths, pipes)
     * @throws IOException when it cannot be read
     */
    static List<String> fdTargets(long pid) throws IOException
    {
        List<String> targets = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd")))
        {
            for (Path fd : fds.collect(Collectors.toList()))
            {
                try
                {
                    targets.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
                }
                catch (IOException closedMeanwhile)
                {
                    // an fd that closed while listing
                }
            }
        }
        return targets;
    }

    /**
     * Counts the fds a roll back could leak: pipes (the successor's output) and Unix domain sockets (the handoff).
     * TCP connections come and go with the load and are not counted.
     * @param pid a process
     * @return the number of pipe and Unix socket fds
     * @throws IOException when /proc cannot be read
     */
    static long pipeAndUnixSocketFds(long pid) throws IOException
    {
        Set<String> unix = new java.util.HashSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/net/unix")))
        {
            String[] f = line.trim().split("\\s+");
            // the JVM's attach listener (used by the JMX tests) is not nserv's
            if (f.length > 6 && !(f.length > 7 && f[7].contains(".java_pid")))
                unix.add("socket:[" + f[6] + "]");
        }
        long count = 0;
        for (String fd : fdTargets(pid))
        {
            String target = fd.substring(fd.indexOf(" -> ") + 4);
            if (target.startsWith("pipe:") || unix.contains(target))
                count++;
        }
        return count;
    }

    /**
     * @param pid a process
     * @return its thread count
     * @throws IOException when it cannot be read
     */
    static int threads(long pid) throws IOException
    {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
        {
            if (line.startsWith("Threads:"))
                return Integer.parseInt(line.substring(8).trim());
        }
        throw new IOException("no thread count for " + pid);
    }

    /**
     * @return the pids seen so far whose process still exists and runs nserv.jar (zombies included)
     */
    List<Long> livePids()
    {
        List<Long> live = new ArrayList<>();
        for (long pid : pids)
        {
            if (isNserv(pid))
                live.add(pid);
        }
        return live;
    }

    private boolean isNserv(long pid)
    {
        Path proc = Path.of("/proc/" + pid);
        if (!Files.exists(proc))
            return false;
        try
        {
            String stat = Files.readString(proc.resolve("stat"));
            if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z"))
                return true;
            String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
            // also a copy of the jar that a test runs from another path (JarOverwriteIT), and jetty-home's start.jar
            // running the nserv module (JettyHomeModuleIT)
            return cmdline.contains(jar.toString()) || cmdline.contains("/" + jar.getFileName() + " ") || cmdline.contains("successor.sh")
                || cmdline.contains("/start.jar ");
        }
        catch (IOException | RuntimeException gone)
        {
            return false;
        }
    }

    /**
     * @param pid a process
     * @return its state and command line, or "gone"
     */
    static String describe(long pid)
    {
        try
        {
            Path proc = Path.of("/proc/" + pid);
            return Files.readString(proc.resolve("stat")) + " " + Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
        }
        catch (IOException x)
        {
            return "gone";
        }
    }

    Optional<Process> first()
    {
        return started.isEmpty() ? Optional.empty() : Optional.of(started.get(0));
    }

    /**
     * Writes everything the generations printed to {@code target/it-logs/<name>.log}, for failure analysis.
     * @param name the test's name
     */
    void saveOutput(String name)
    {
        try
        {
            Path dir = Path.of(System.getProperty("nserv.jar", "target/nserv.jar")).toAbsolutePath().getParent().resolve("it-logs");
            Files.createDirectories(dir);
            Files.write(dir.resolve(name + ".log"), output, StandardCharsets.UTF_8);
        }
        catch (IOException x)
        {
            System.err.println("cannot save the output of " + name + ": " + x);
        }
    }

    @Override
    public void close()
    {
        for (long pid : pids)
        {
            if (isNserv(pid))
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (Process process : started)
        {
            process.destroyForcibly();
            try
            {
                process.waitFor();
            }
            catch (InterruptedException x)
            {
                Thread.currentThread().interrupt();
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> livePids().isEmpty());
        closed = true;
        if (stateDir != null)
        {
            try (Stream<Path> files = Files.walk(stateDir))
            {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
            catch (IOException ignored)
            {
                // a temporary directory
            }
        }
        for (Path log : logs)
        {
            try
            {
                Files.deleteIfExists(log);
            }
            catch (IOException ignored)
            {
                // a temporary file
            }
        }
    }
}
