package dev.nserv.jetty.session;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A throwaway PostgreSQL cluster for a test: initdb into a temporary directory, the server on a free 127.0.0.1 port
 * with its Unix socket in that directory, everything removed by {@link #close()}. PostgreSQL refuses to run as root,
 * so under root the cluster belongs to the {@code postgres} user and runs through {@code runuser}. The binaries are
 * looked up in {@code $NSERV_PG_BIN}, then Debian's {@code /usr/lib/postgresql/15/bin}; without them the test is
 * skipped (the CI installs the {@code postgresql} package).
 */
public final class PostgresCluster implements AutoCloseable
{
    private static final String USER = "nserv";

    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asPostgres;

    private PostgresCluster(Path bin, Path dir, int port, boolean asPostgres)
    {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asPostgres = asPostgres;
    }

    static Path binaries()
    {
        String env = System.getenv("NSERV_PG_BIN");
        Path bin = env != null ? Path.of(env) : Path.of("/usr/lib/postgresql/15/bin");
        return Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")) ? bin : null;
    }

    /**
     * @return a running cluster; skips the test if PostgreSQL is not installed
     */
    public static PostgresCluster start() throws Exception
    {
        Path bin = binaries();
        assumeTrue(bin != null, "PostgreSQL binaries not found (set NSERV_PG_BIN or install the Debian package postgresql): skipping the database test");
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("nserv-pg-");
        if (root)
        {
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(dir, users.lookupPrincipalByName("postgres"));
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0))
        {
            port = socket.getLocalPort();
        }
        PostgresCluster cluster = new PostgresCluster(bin, dir, port, root);
        try
        {
            cluster.run("initdb", "-D", dir.resolve("data").toString(), "-U", USER, "-A", "trust", "--no-sync", "-E", "UTF8");
            cluster.run("pg_ctl", "-D", dir.resolve("data").toString(), "-l", dir.resolve("log").toString(), "-w", "-t", "60",
                "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
        }
        catch (Exception x)
        {
            cluster.close();
            throw x;
        }
        return cluster;
    }

    /**
     * @return a JDBC URL for the cluster's {@code postgres} database
     */
    public String url()
    {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + USER;
    }

    private void run(String tool, String... args) throws IOException
    {
        List<String> command = new ArrayList<>();
        if (asPostgres)
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        command.add(bin.resolve(tool).toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(tool + ".out").toFile()).start();
        try
        {
            if (!process.waitFor(90, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IOException(tool + " did not finish in 90 s");
            }
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException(tool + " interrupted", x);
        }
        if (process.exitValue() != 0)
            throw new IOException(tool + " failed with exit code " + process.exitValue() + ": " + Files.readString(dir.resolve(tool + ".out")));
    }

    @Override
    public void close() throws IOException
    {
        try
        {
            if (Files.exists(dir.resolve("data").resolve("postmaster.pid")))
                run("pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
        }
        finally
        {
            try (Stream<Path> files = Files.walk(dir))
            {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList())
                    Files.deleteIfExists(file);
            }
        }
    }
}
