package dev.nserv.jetty.launcher;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.session.PersistentSessions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher's session flags: sessions of a deployed WAR survive a new generation by default, and a state directory
 * or database that cannot be used fails the start with one clear line.
 */
class SessionLauncherTest
{
    @TempDir
    Path dir;

    private final LauncherOutput io = new LauncherOutput();

    private int run(String... args)
    {
        return io.run(args);
    }

    private String errText()
    {
        return io.err();
    }

    @Test
    void sessionsOfADeployedWebappSurviveTheNextGeneration() throws Exception
    {
        Path webapps = Files.createDirectories(dir.resolve("webapps"));
        Path webInf = Files.createDirectories(webapps.resolve("app").resolve("WEB-INF"));
        Files.writeString(webInf.resolve("web.xml"), """
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
              <servlet><servlet-name>counter</servlet-name><servlet-class>dev.nserv.jetty.session.CounterServlet</servlet-class></servlet>
              <servlet-mapping><servlet-name>counter</servlet-name><url-pattern>/counter</url-pattern></servlet-mapping>
            </web-app>
            """);
        Path state = dir.resolve("state");
        String[] args = {"--host", "127.0.0.1", "--port", "0", "--webapps", webapps.toString(), "--scan-interval", "0", "--state-dir", state.toString()};
        // HTTP/1.1: this test is about sessions; h2c upgrades and their drain are covered elsewhere
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String cookie = null;
        for (int generation = 1; generation <= 3; generation++)
        {
            NservServer nserv = new ServerAssembler(LauncherOptions.parse(args)).assemble();
            nserv.start();
            try
            {
                assertThat(nserv.getServer().getBean(PersistentSessions.class).getSessionsDirectory()).isEqualTo(state.resolve("sessions"));
                for (int i = 1; i <= 2; i++)
                {
                    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nserv.getServer().getURI().getPort() + "/app/counter"));
                    if (cookie != null)
                        request.header("Cookie", cookie);
                    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(response.statusCode()).isEqualTo(200);
                    if (cookie == null)
                        cookie = response.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
                    assertThat(response.body()).startsWith((generation - 1) * 2 + i + " ");
                }
            }
            finally
            {
                nserv.stop();
                assertThat(nserv.awaitStopped(Duration.ofSeconds(30))).isTrue();
            }
        }
        assertThat(state.resolve("sessions").resolve("_app@0.0.0.0")).isDirectory();
    }

    @Test
    void unwritableStateDirectoryIsOneClearLine() throws Exception
    {
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        Path state = file.resolve("state");
        assertThat(run("--host", "127.0.0.1", "--port", "0", "--state-dir", state.toString())).isEqualTo(Main.EXIT_START_FAILED);
        String text = errText();
        assertThat(text).startsWith("nserv: error: the session state directory " + state.resolve("sessions") + " cannot be written (" + file)
            .contains("Not a directory").contains("--state-dir").contains("--session-store memory");
        assertThat(text.lines().count()).isEqualTo(1);
        assertThat(io.out()).doesNotContain("nserv: listening");
    }

    @Test
    void unreachableDatabaseIsOneClearLineWithoutThePassword() throws Exception
    {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0))
        {
            closedPort = socket.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/sessions?user=app&password=s3cret";
        assertThat(run("--host", "127.0.0.1", "--port", "0", "--session-store", url)).isEqualTo(Main.EXIT_START_FAILED);
        String text = errText();
        assertThat(text).startsWith("nserv: error: cannot reach the session database jdbc:postgresql://127.0.0.1:" + closedPort + "/sessions?user=app&password=***")
            .contains("--session-store").doesNotContain("s3cret");
        assertThat(text.lines().count()).isEqualTo(1);
    }

    @Test
    void sessionFlagsAreValidatedAndDocumented()
    {
        assertThat(run("--session-store", "redis://x")).isEqualTo(Main.EXIT_USAGE);
        assertThat(errText()).contains("--session-store").contains("'file', 'memory' or a jdbc: URL");
        io.reset();
        assertThat(run("--help")).isZero();
        assertThat(io.out()).contains("--state-dir DIR").contains("--session-store STORE").contains("~/.local/state/nserv/PORT");
        LauncherOptions options = LauncherOptions.parse("--port", "9123");
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        assertThat(options.stateDirectory()).isEqualTo(base.resolve("nserv").resolve("9123").toAbsolutePath());
        assertThat(LauncherOptions.parse("--state-dir", "rel/dir").stateDirectory()).isEqualTo(Path.of("rel/dir").toAbsolutePath());
    }
}
