package dev.nserv.jetty.ctl;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ControlServerTest
{
    @TempDir
    Path tmp;

    private final List<ControlServer> servers = new ArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void close()
    {
        servers.forEach(ControlServer::close);
    }

    private ControlServer start(Path path, ControlServer.Handler handler) throws Exception
    {
        ControlServer server = new ControlServer(path, handler);
        servers.add(server);
        server.bindTemporary();
        server.publish();
        return server;
    }

    private int ctl(String... args)
    {
        out.reset();
        err.reset();
        return Ctl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static ControlServer.Handler echo(String name)
    {
        return command -> command.equals("status") ? List.of("server: " + name, "OK") : command.startsWith("limit") ? List.of("ERR limit must be at least 1") : List.of("OK " + command + " by " + name);
    }

    @Test
    void ctlPrintsAnswersAndMapsResultsToExitCodes() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        start(socket, echo("one"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");

        assertThat(ctl("--socket", socket.toString(), "status")).isEqualTo(Ctl.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("server: one" + System.lineSeparator());

        assertThat(ctl("--socket", socket.toString(), "restart")).isEqualTo(Ctl.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("restart by one");

        assertThat(ctl("--socket", socket.toString(), "limit", "5")).isEqualTo(Ctl.EXIT_FAILED);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("nserv ctl: limit must be at least 1");
    }

    @Test
    void aCommittedRestartIsAnsweredOnceTheSuccessorHoldsThePathSoTheNextCommandReachesIt() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        start(socket, command -> command.equals("restart") ? List.of("OK restarted: generation 2") : List.of("server: one", "OK"));

        java.util.concurrent.CompletableFuture<Integer> restart = java.util.concurrent.CompletableFuture.supplyAsync(() -> ctl("--socket", socket.toString(), "restart"));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !restart.isDone());

        // the successor publishes its own socket over the path, as ControlSocketParticipant does after COMMIT
        ControlServer successor = new ControlServer(socket, command -> List.of("server: two", "OK"));
        servers.add(successor);
        successor.bindTemporary();
        successor.publish();

        assertThat(restart.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(Ctl.EXIT_OK);
        assertThat(ctl("--socket", socket.toString(), "status")).isEqualTo(Ctl.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("server: two" + System.lineSeparator());
    }

    @Test
    void usageErrorsAndUnreachableServers()
    {
        assertThat(ctl()).isEqualTo(Ctl.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing command");
        assertThat(ctl("--socket", "/x", "frobnicate")).isEqualTo(Ctl.EXIT_USAGE);
        assertThat(ctl("limit", "zero")).isEqualTo(Ctl.EXIT_USAGE);
        assertThat(ctl("limit", "0")).isEqualTo(Ctl.EXIT_USAGE);
        assertThat(ctl("--port", "70000", "status")).isEqualTo(Ctl.EXIT_USAGE);
        assertThat(ctl("--help")).isEqualTo(Ctl.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Exit codes");

        assertThat(ctl("--socket", tmp.resolve("none.sock").toString(), "status")).isEqualTo(Ctl.EXIT_UNREACHABLE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot reach the server at");
    }

    @Test
    void badInputGetsAnErrorAndTheServerGoesOn() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        start(socket, new ControlCommandsStub());
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(socket)))
        {
            raw.write(ByteBuffer.wrap("x".repeat(5000).getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer answer = ByteBuffer.allocate(200);
            while (raw.read(answer) >= 0 && answer.hasRemaining())
            {
                // until the server closes
            }
            assertThat(new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII)).startsWith("ERR command longer than 1024 bytes");
        }
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(socket)))
        {
            // connect and leave without a word
            raw.shutdownOutput();
        }
        assertThat(ctl("--socket", socket.toString(), "status")).isEqualTo(Ctl.EXIT_OK);
    }

    @Test
    void aSuccessorTakesThePathOverAndThePredecessorLeavesItAlone() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        ControlServer first = start(socket, echo("first"));
        start(socket, echo("second"));
        assertThat(ctl("--socket", socket.toString(), "status")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("server: second");

        first.close();
        assertThat(socket).exists();
        assertThat(ctl("--socket", socket.toString(), "status")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("server: second");
    }

    @Test
    void aPlainStopRemovesItsOwnSocket() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        ControlServer server = start(socket, echo("only"));
        server.close();
        assertThat(socket).doesNotExist();
    }

    @Test
    void theDefaultDirectoryMustBePrivate() throws Exception
    {
        Path open = tmp.resolve("open");
        Files.createDirectory(open, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> ControlPaths.ensurePrivateDirectory(open))
            .hasMessageContaining("is accessible by other users (mode rwxr-xr-x); chmod 700 it");

        Path fresh = tmp.resolve("fresh/nserv-me");
        ControlPaths.ensurePrivateDirectory(fresh);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rwx------");
        ControlPaths.ensurePrivateDirectory(fresh);
    }

    /** Answers status only, like a server, for the bad-input test. */
    @Test
    void idleConnectionsDoNotLockOutTheOperator() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        start(socket, echo("one"));
        List<SocketChannel> idle = new ArrayList<>();
        try
        {
            for (int i = 0; i < 200; i++)
                idle.add(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
            long started = System.nanoTime();
            assertThat(ctl("--socket", socket.toString(), "--timeout", "5", "status")).isEqualTo(Ctl.EXIT_OK);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("server: one");

            // and each idle one is answered and closed after the 1 s deadline
            SocketChannel first = idle.get(0);
            ByteBuffer answer = ByteBuffer.allocate(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> first.read(answer) < 0);
            assertThat(new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII)).startsWith("ERR no command line within 1000 ms");
        }
        finally
        {
            for (SocketChannel channel : idle)
                channel.close();
        }
    }

    @Test
    void manyClientsAtOnceAreAllAnswered() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        start(socket, command -> List.of("OK " + command));
        List<SocketChannel> clients = new ArrayList<>();
        try
        {
            // all lines arrive before the reader looks, so one select round completes many commands
            for (int i = 0; i < 40; i++)
            {
                SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                client.write(ByteBuffer.wrap(("status " + i + "\n").getBytes(StandardCharsets.US_ASCII)));
                clients.add(client);
            }
            int answered = 0;
            int busy = 0;
            for (int i = 0; i < clients.size(); i++)
            {
                ByteBuffer answer = ByteBuffer.allocate(200);
                SocketChannel client = clients.get(i);
                while (client.read(answer) >= 0)
                {
                    // until the server closes
                }
                String text = new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII);
                if (text.equals("OK status " + i + "\n"))
                    answered++;
                else if (text.startsWith("ERR busy"))
                    busy++;
                else
                    throw new AssertionError("client " + i + " got '" + text + "'");
            }
            assertThat(answered + busy).isEqualTo(40);
            assertThat(answered).isPositive();
        }
        finally
        {
            for (SocketChannel channel : clients)
                channel.close();
        }
    }

    @Test
    void aSlowPeerSendingByteByByteIsCutOffAtTheDeadline() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        start(socket, echo("one"));
        try (SocketChannel slow = SocketChannel.open(UnixDomainSocketAddress.of(socket)))
        {
            slow.write(ByteBuffer.wrap("sta".getBytes(StandardCharsets.US_ASCII)));
            assertThat(ctl("--socket", socket.toString(), "status")).isEqualTo(Ctl.EXIT_OK);
            ByteBuffer answer = ByteBuffer.allocate(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> slow.read(answer) < 0);
            assertThat(new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII)).startsWith("ERR no command line");
        }
    }

    @Test
    void aRefusalIsPrintedInsteadOfBrokenPipe() throws Exception
    {
        Path socket = tmp.resolve("refuser.sock");
        try (ServerSocketChannel refuser = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            refuser.bind(UnixDomainSocketAddress.of(socket));
            Thread thread = new Thread(() ->
            {
                try (SocketChannel client = refuser.accept())
                {
                    // answer and close without reading a byte, as a busy or refusing server does
                    client.write(ByteBuffer.wrap("ERR busy: try again\n".getBytes(StandardCharsets.US_ASCII)));
                    client.shutdownOutput();
                }
                catch (Exception ignored)
                {
                    // the test fails on the client's side
                }
            }, "refuser");
            thread.start();
            // a command larger than the socket buffers, so the write fails after the server closed
            String connector = "c".repeat(4 << 20);
            assertThat(ctl("--socket", socket.toString(), "--timeout", "10", "limit", connector, "5")).isEqualTo(Ctl.EXIT_FAILED);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("nserv ctl: busy: try again").doesNotContain("Broken pipe");
            thread.join(5_000);
        }
    }

    @Test
    void connectFailuresNameTheRealCause()
    {
        assertThat(Ctl.explainConnectFailure("Permission denied")).startsWith("permission denied (EACCES)");
        assertThat(Ctl.explainConnectFailure("Connection refused")).startsWith("connection refused (ECONNREFUSED)");
        assertThat(Ctl.explainConnectFailure("No such file or directory")).startsWith("no such socket (ENOENT)");
        assertThat(Ctl.explainConnectFailure("Something else")).isEqualTo("Something else");
    }

    @Test
    void aStaleSocketFileIsConnectionRefused() throws Exception
    {
        Path socket = tmp.resolve("stale.sock");
        ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        gone.bind(UnixDomainSocketAddress.of(socket));
        gone.close();
        assertThat(ctl("--socket", socket.toString(), "status")).isEqualTo(Ctl.EXIT_UNREACHABLE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("connection refused (ECONNREFUSED)");
    }

    @Test
    void sharedDirectoriesAreRefusedOrWarnedAbout() throws Exception
    {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setAttribute(open, "unix:mode", 0777);
        assertThatThrownBy(() -> ControlPaths.checkSocketDirectory(open.resolve("x.sock")))
            .hasMessageContaining("control socket directory " + open + " (mode 0777) is writable by every user and not sticky")
            .hasMessageContaining("mkdir -m 700");
        Path sticky = Files.createDirectory(tmp.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        assertThat(ControlPaths.checkSocketDirectory(sticky.resolve("x.sock"))).contains("(mode 1777) is writable by every user").contains("private directory");
        Path mine = Files.createDirectory(tmp.resolve("mine"));
        Files.setAttribute(mine, "unix:mode", 0700);
        assertThat(ControlPaths.checkSocketDirectory(mine.resolve("x.sock"))).isNull();
    }

    private static final class ControlCommandsStub implements ControlServer.Handler
    {
        @Override
        public List<String> handle(String command)
        {
            return command.equals("status") ? List.of("OK") : List.of("ERR unknown command");
        }
    }
}
