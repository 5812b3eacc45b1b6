package dev.nserv.jetty.ctl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code java -jar nserv.jar ctl [--socket PATH | --port N] [--timeout SECONDS] status|restart|stop|limit N}:
 * talks to a running nserv server over its control socket (a Unix socket only the same OS user can use).
 * <p>
 * Without {@code --socket} or {@code --port} it uses the one server whose socket is in the default directory
 * ({@code ${XDG_RUNTIME_DIR or java.io.tmpdir}/nserv-<user>/}). Exit codes: 0 success, 1 the operation failed
 * (e.g. a restart rolled back, "restart in progress", or "busy"; the server's answer is printed even when it closed
 * before it read the command), 2 usage error, 3 no server reachable (no such socket, permission denied, nothing
 * listening: the real cause is printed).
 */
public final class Ctl
{
    /** The operation succeeded. */
    public static final int EXIT_OK = 0;
    /** The server answered with an error. */
    public static final int EXIT_FAILED = 1;
    /** Bad command line. */
    public static final int EXIT_USAGE = 2;
    /** No server answered. */
    public static final int EXIT_UNREACHABLE = 3;

    private static final String USAGE = String.join("\n",
        "Usage: java -jar nserv.jar ctl [--socket PATH | --port N] [--timeout SECONDS] COMMAND",
        "Commands:",
        "  status          generation, pid, ready/draining, restart state, connections and limits",
        "  restart         zero-downtime restart; waits until the successor is ready or the restart rolled back",
        "  stop            graceful exit",
        "  limit N         set the connection limit of every connector (limit CONNECTOR N for one)",
        "Options:",
        "  --socket PATH   the server's control socket (its --control-socket)",
        "  --port N        the server started with default settings on HTTP port N",
        "  --timeout S     longest wait for the answer in seconds (default 30; 300 for restart)",
        "Without --socket or --port: the only server with a socket in " + ControlPaths.defaultDirectory(),
        "Exit codes: 0 ok, 1 operation failed or refused (the server's answer is printed), 2 usage error,",
        "  3 no server reachable (no socket, permission denied, nothing listening; the cause is printed).");

    private Ctl()
    {
    }

    /**
     * Runs one ctl command.
     * @param args the arguments after {@code ctl}
     * @param out where answers go
     * @param err where errors go
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err)
    {
        Path socket = null;
        Integer port = null;
        Long timeoutSeconds = null;
        List<String> command = new ArrayList<>();
        try
        {
            for (int i = 0; i < args.length; i++)
            {
                String arg = args[i];
                if (!command.isEmpty())
                {
                    command.add(arg);
                    continue;
                }
                switch (arg)
                {
                    case "-h":
                    case "--help":
                        out.println(USAGE);
                        return EXIT_OK;
                    case "--socket":
                        socket = Path.of(value(args, ++i, arg));
                        break;
                    case "--port":
                        port = Integer.parseInt(value(args, ++i, arg));
                        if (port < 1 || port > 65535)
                            throw new IllegalArgumentException("--port must be 1..65535, was " + port);
                        break;
                    case "--timeout":
                        timeoutSeconds = Long.parseLong(value(args, ++i, arg));
                        if (timeoutSeconds < 1)
                            throw new IllegalArgumentException("--timeout must be at least 1 second, was " + timeoutSeconds);
                        break;
                    default:
                        if (arg.startsWith("-"))
                            throw new IllegalArgumentException("unknown option " + arg);
                        command.add(arg);
                }
            }
            if (socket != null && port != null)
                throw new IllegalArgumentException("give --socket or --port, not both");
            validate(command);
        }
        catch (IllegalArgumentException x)
        {
            err.println("nserv ctl: " + (x instanceof NumberFormatException ? "not a number: " + x.getMessage() : x.getMessage()));
            err.println("Try 'java -jar nserv.jar ctl --help'.");
            return EXIT_USAGE;
        }

        if (socket == null)
        {
            Path directory = ControlPaths.defaultDirectory();
            if (port != null)
            {
                socket = ControlPaths.defaultSocket(directory, port);
            }
            else
            {
                List<Path> live = liveSockets(directory);
                if (live.isEmpty())
                {
                    err.println("nserv ctl: no running nserv server found (no control socket answers in " + directory + "); pass --socket PATH or --port N");
                    return EXIT_UNREACHABLE;
                }
                if (live.size() > 1)
                {
                    err.println("nserv ctl: several nserv servers run: " + live + "; choose one with --port N or --socket PATH");
                    return EXIT_USAGE;
                }
                socket = live.get(0);
            }
        }

        long timeout = timeoutSeconds != null ? timeoutSeconds : command.get(0).equals("restart") ? 300 : 30;
        List<String> answer;
        try
        {
            answer = exchange(socket, String.join(" ", command), timeout);
        }
        catch (IOException x)
        {
            err.println("nserv ctl: cannot reach the server at " + socket + ": " + x.getMessage());
            return EXIT_UNREACHABLE;
        }
        if (answer.isEmpty())
        {
            err.println("nserv ctl: the server at " + socket + " closed the connection without an answer");
            return EXIT_FAILED;
        }
        for (int i = 0; i < answer.size() - 1; i++)
            out.println(answer.get(i));
        String last = answer.get(answer.size() - 1);
        if (last.equals("OK"))
            return EXIT_OK;
        if (last.startsWith("OK "))
        {
            out.println(last.substring(3));
            return EXIT_OK;
        }
        err.println("nserv ctl: " + (last.startsWith("ERR ") ? last.substring(4) : last));
        return EXIT_FAILED;
    }

    private static String value(String[] args, int i, String option)
    {
        if (i >= args.length)
            throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }

    private static void validate(List<String> command)
    {
        if (command.isEmpty())
            throw new IllegalArgumentException("missing command: status, restart, stop or limit N");
        String name = command.get(0);
        switch (name)
        {
            case "status":
            case "restart":
            case "stop":
                if (command.size() != 1)
                    throw new IllegalArgumentException(name + " takes no arguments");
                return;
            case "limit":
                if (command.size() < 2 || command.size() > 3)
                    throw new IllegalArgumentException("usage: limit N, or limit CONNECTOR N");
                int limit = Integer.parseInt(command.get(command.size() - 1));
                if (limit < 1)
                    throw new IllegalArgumentException("limit must be at least 1 connection, was " + limit);
                return;
            default:
                throw new IllegalArgumentException("unknown command '" + name + "'; commands: status, restart, stop, limit N");
        }
    }

    private static List<Path> liveSockets(Path directory)
    {
        List<Path> live = new ArrayList<>();
        if (!Files.isDirectory(directory))
            return live;
        try (DirectoryStream<Path> sockets = Files.newDirectoryStream(directory, "nserv-*.sock"))
        {
            for (Path socket : sockets)
            {
                try
                {
                    SocketChannel.open(UnixDomainSocketAddress.of(socket)).close();
                    live.add(socket);
                }
                catch (IOException stale)
                {
                    // a socket file left by a server that is gone
                }
            }
        }
        catch (IOException x)
        {
            return live;
        }
        live.sort(null);
        return live;
    }

    /**
     * Sends one command and reads the answer lines until the server closes the connection.
     * @param socket the control socket
     * @param command the command line
     * @param timeoutSeconds the longest wait
     * @return the answer lines
     * @throws IOException when the server cannot be reached or does not answer in time
     */
    static List<String> exchange(Path socket, String command, long timeoutSeconds) throws IOException
    {
        checkSocketFile(socket);
        SocketChannel channel;
        try
        {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        }
        catch (IOException x)
        {
            throw new IOException(explainConnectFailure(x.getMessage()), x);
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() ->
        {
            timedOut.set(true);
            try
            {
                channel.close();
            }
            catch (IOException ignored)
            {
                // wakes up the read either way
            }
        }, CompletableFuture.delayedExecutor(timeoutSeconds, TimeUnit.SECONDS));
        try
        {
            IOException writeFailure = null;
            try
            {
                ByteBuffer request = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
                while (request.hasRemaining())
                    channel.write(request);
            }
            catch (IOException x)
            {
                if (timedOut.get())
                    throw x;
                // A server that refuses (busy, wrong user, bad input) answers and closes without reading; its
                // answer is already here and says more than "Broken pipe".
                writeFailure = x;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            try
            {
                while (channel.read(buffer) >= 0)
                {
                    bytes.write(buffer.array(), 0, buffer.position());
                    buffer.clear();
                }
            }
            catch (IOException x)
            {
                if (timedOut.get() || (writeFailure == null && bytes.size() == 0))
                    throw x;
                // a reset after the answer (or after a failed write): keep what arrived
            }
            List<String> lines = new ArrayList<>();
            for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n"))
            {
                if (!line.isEmpty())
                    lines.add(line);
            }
            if (lines.isEmpty() && writeFailure != null)
                throw new IOException("the server closed the connection before it took the command (" + writeFailure.getMessage() + ")", writeFailure);
            return lines;
        }
        catch (IOException x)
        {
            if (timedOut.get())
                throw new IOException("no answer within " + timeoutSeconds + " s (--timeout)", x);
            throw x;
        }
        finally
        {
            watchdog.cancel(false);
            channel.close();
        }
    }

    /**
     * Tells a missing socket from one this user may not reach: {@code Files.exists} says "no" to both.
     * @throws IOException naming the real cause and the fix
     */
    private static void checkSocketFile(Path socket) throws IOException
    {
        try
        {
            Files.readAttributes(socket, BasicFileAttributes.class);
        }
        catch (NoSuchFileException x)
        {
            throw new IOException("no such socket (is the server running? with --control-socket, pass --socket)", x);
        }
        catch (AccessDeniedException x)
        {
            throw new IOException("permission denied: " + x.getFile() + " or a directory above it is not accessible to user " +
                System.getProperty("user.name") + "; run ctl as the user that runs the server", x);
        }
    }

    /**
     * Turns the JDK's message for a failed connect (the C library's text for its errno) into the cause and the fix.
     * @param message the exception's message, e.g. {@code "Permission denied"}
     * @return the explanation
     */
    static String explainConnectFailure(String message)
    {
        String m = message == null ? "" : message;
        if (m.contains("Permission denied"))
            return "permission denied (EACCES): the control socket belongs to another user; run ctl as the user that runs the server";
        if (m.contains("Connection refused"))
            return "connection refused (ECONNREFUSED): nothing listens on this socket file (the server is gone and left it behind)";
        if (m.contains("No such file or directory"))
            return "no such socket (ENOENT): is the server running? with --control-socket, pass --socket";
        if (m.contains("Resource temporarily unavailable"))
            return "the server's connection queue is full (EAGAIN); try again";
        return m.isEmpty() ? "connect failed" : m;
    }
}
