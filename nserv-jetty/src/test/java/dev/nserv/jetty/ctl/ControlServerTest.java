package dev.nserv.jetty.ctl;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    private static final class ControlCommandsStub implements ControlServer.Handler
    {
        @Override
        public List<String> handle(String command)
        {
            return command.equals("status") ? List.of("OK") : List.of("ERR unknown command");
        }
    }
}
