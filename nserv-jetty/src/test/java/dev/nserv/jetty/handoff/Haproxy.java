package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Test support: one HAProxy process in the foreground ({@code haproxy -db}) with the repository's fleet configuration
 * ({@code docs/fleet/haproxy.cfg}), its addresses given through the environment variables the file names, and its
 * view of the servers read from its stats socket ({@code show stat}). The Debian package {@code haproxy} provides the
 * binary; without it the test fails and says so (CI installs it).
 */
final class Haproxy implements AutoCloseable
{
    private static final List<String> SBIN = List.of("/usr/sbin", "/usr/local/sbin", "/sbin");

    private final Process process;
    private final Path stats;
    private final Path log;
    final int port;

    private Haproxy(Process process, Path stats, Path log, int port)
    {
        this.process = process;
        this.stats = stats;
        this.log = log;
        this.port = port;
    }

    /**
     * @return the repository's tested HAProxy configuration, the file docs/fleet.md quotes
     */
    static Path configuration()
    {
        Path jar = Path.of(System.getProperty("nserv.jar", "target/nserv.jar")).toAbsolutePath();
        return jar.getParent().getParent().getParent().resolve("docs/fleet/haproxy.cfg");
    }

    /**
     * @return the haproxy binary on the PATH or in an sbin directory; fails the test when there is none
     */
    static Path binary()
    {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(SBIN);
        for (String dir : dirs)
        {
            if (dir.isEmpty())
                continue;
            Path candidate = Path.of(dir, "haproxy");
            if (Files.isExecutable(candidate))
                return candidate;
        }
        return fail("HAProxy is not installed: no executable 'haproxy' on the PATH or in " + SBIN + ". " +
            "This test drives the Debian package haproxy (2.6): apt-get install haproxy (.ci/run installs it)");
    }

    /**
     * @return a port that was free on 127.0.0.1 a moment ago
     * @throws IOException when none can be bound
     */
    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    /**
     * Checks the configuration ({@code haproxy -c}), starts HAProxy with it and waits until it listens.
     * @param dir a private directory for the stats socket and the log
     * @param servers the server addresses by the variable names of the file, e.g. {@code NSERV_A -> 127.0.0.1:4711}
     * @return the running HAProxy
     * @throws Exception when it cannot start
     */
    static Haproxy start(Path dir, Map<String, String> servers) throws Exception
    {
        Path binary = binary();
        int port = freePort();
        Path stats = dir.resolve("haproxy-stats.sock");
        Path log = dir.resolve("haproxy.log");
        Map<String, String> env = new HashMap<>(servers);
        env.put("NSERV_FRONTEND", "127.0.0.1:" + port);
        env.put("HAPROXY_STATS_SOCKET", stats.toString());
        String cfg = configuration().toString();

        ProcessBuilder check = new ProcessBuilder(binary.toString(), "-c", "-f", cfg).redirectErrorStream(true);
        check.environment().putAll(env);
        Process checking = check.start();
        String checkOutput = new String(checking.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!checking.waitFor(30, TimeUnit.SECONDS) || checking.exitValue() != 0)
            fail(binary + " -c -f " + cfg + " refused the configuration:\n" + checkOutput);

        ProcessBuilder builder = new ProcessBuilder(binary.toString(), "-db", "-f", cfg).redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(env);
        Haproxy haproxy = new Haproxy(builder.start(), stats, log, port);
        try
        {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
            {
                if (!haproxy.process.isAlive())
                    fail("haproxy exited with code " + haproxy.process.exitValue() + ":\n" + haproxy.log());
                return Files.exists(stats) && !haproxy.stat().isEmpty();
            });
        }
        catch (RuntimeException | AssertionError x)
        {
            haproxy.close();
            throw x;
        }
        return haproxy;
    }

    /**
     * @return {@code show stat} of the stats socket: one map of column to value per proxy or server line
     */
    List<Map<String, String>> stat()
    {
        String text = command("show stat");
        List<Map<String, String>> rows = new ArrayList<>();
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].startsWith("# "))
            return rows;
        String[] columns = lines[0].substring(2).split(",", -1);
        for (int i = 1; i < lines.length; i++)
        {
            if (lines[i].isBlank())
                continue;
            String[] values = lines[i].split(",", -1);
            Map<String, String> row = new HashMap<>();
            for (int c = 0; c < columns.length && c < values.length; c++)
                row.put(columns[c], values[c]);
            rows.add(row);
        }
        return rows;
    }

    /**
     * @param proxy a proxy name, e.g. {@code nserv}
     * @param server a server name, {@code FRONTEND} or {@code BACKEND}
     * @return that line of {@code show stat}
     */
    Map<String, String> stat(String proxy, String server)
    {
        for (Map<String, String> row : stat())
        {
            if (proxy.equals(row.get("pxname")) && server.equals(row.get("svname")))
                return row;
        }
        throw new AssertionError("no " + proxy + "/" + server + " in haproxy's stats");
    }

    /**
     * @param server a server of the backend {@code nserv}
     * @return HAProxy's view of it: {@code UP}, {@code DOWN}, {@code UP 1/2} (going down), {@code DOWN 1/2} (going up)
     */
    String status(String server)
    {
        return stat("nserv", server).get("status");
    }

    private String command(String line)
    {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            channel.connect(UnixDomainSocketAddress.of(stats));
            channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            StringBuilder answer = new StringBuilder();
            // one command without "prompt": HAProxy answers and closes
            while (channel.read(buffer) >= 0)
            {
                buffer.flip();
                answer.append(StandardCharsets.UTF_8.decode(buffer));
                buffer.clear();
            }
            return answer.toString();
        }
        catch (IOException x)
        {
            throw new UncheckedIOException("haproxy stats socket " + stats + ": " + x.getMessage(), x);
        }
    }

    /**
     * @return what HAProxy logged (server state changes, requests with errors or retries)
     */
    String log()
    {
        try
        {
            return Files.exists(log) ? Files.readString(log) : "";
        }
        catch (IOException x)
        {
            return "cannot read " + log + ": " + x;
        }
    }

    @Override
    public void close()
    {
        process.destroy();
        try
        {
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }
}
