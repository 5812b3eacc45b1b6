package dev.nserv.jetty.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.RawHttp;
import dev.nserv.jetty.TcpKeepAlive;
import dev.nserv.jetty.ThrottledServerConnector;
import dev.nserv.jetty.warmup.WarmUp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LauncherTest
{
    @TempDir
    Path dir;

    private final LauncherOutput io = new LauncherOutput();
    private NservServer nserv;

    @AfterEach
    void tearDown() throws Exception
    {
        if (nserv != null)
        {
            nserv.stop();
            assertThat(nserv.awaitStopped(Duration.ofSeconds(30))).isTrue();
        }
    }

    private int run(String... args)
    {
        return io.run(args);
    }

    private String errText()
    {
        return io.err();
    }

    @Test
    void unknownFlagIsAUsageError()
    {
        assertThat(run("--frobnicate")).isEqualTo(2);
        assertThat(errText()).startsWith("nserv: error: unknown option '--frobnicate'");
    }

    @Test
    void aBadClassDataDirectoryIsOneClearError() throws Exception
    {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThat(run("--cds-dir", file.toString())).isEqualTo(2);
        assertThat(errText()).startsWith("nserv: error: --cds-dir " + file + " is not a directory (give a directory, or off)\n");
        io.reset();
        assertThat(run("--cds-dir", file.resolve("sub").toString())).isEqualTo(2);
        assertThat(errText()).startsWith("nserv: error: --cds-dir " + file.resolve("sub") + " cannot be created: ").contains("(give a writable directory, or off)\n");
    }

    @Test
    void badValuesNameTheOption()
    {
        assertThat(run("--port", "http")).isEqualTo(2);
        assertThat(errText()).contains("--port").contains("'http'");
        io.reset();
        assertThat(run("--port", "70000")).isEqualTo(2);
        assertThat(errText()).contains("--port must be from 0 to 65535, was 70000");
        io.reset();
        assertThat(run("--max-connections", "0")).isEqualTo(2);
        assertThat(errText()).contains("--max-connections must be at least 1, was 0");
        io.reset();
        assertThat(run("--drain-timeout", "soon")).isEqualTo(2);
        assertThat(errText()).contains("'soon' is not a duration");
        io.reset();
        assertThat(run("--https-port", "8443")).isEqualTo(2);
        assertThat(errText()).contains("--https-port needs --keystore");
    }

    @Test
    void optionSyntax()
    {
        LauncherOptions parsed = new LauncherOptions();
        parsed.parser().parse(new String[]{"--port=9091", "--drain-timeout", "2m", "--config", "a.xml", "--config=b.xml", "--inherit-fd0"});
        assertThat(parsed).satisfies(o ->
            {
                assertThat(o.port).isEqualTo(9091);
                assertThat(o.drainTimeout).isEqualTo(Duration.ofMinutes(2));
                assertThat(o.configs).containsExactly(Path.of("a.xml"), Path.of("b.xml"));
                assertThat(o.inheritFd0).isTrue();
            });
        assertThat(run("--port")).isEqualTo(2);
        assertThat(errText()).contains("option '--port' needs a value: --port PORT");
        io.reset();
        assertThat(run("8080")).isEqualTo(2);
        assertThat(errText()).contains("unexpected argument '8080'");
        io.reset();
        assertThat(run("--inherit-fd0=yes")).isEqualTo(2);
        assertThat(errText()).contains("option '--inherit-fd0' takes no value");
    }

    @Test
    void warmUpFlagsConfigureTheWarmUpBean() throws Exception
    {
        LauncherOptions options = LauncherOptions.parse("--warmup-paths", "/, HEAD /static/app.js", "--warmup-requests", "50",
            "--warmup-time", "2s", "--warmup-fail-rollback");
        WarmUp warmUp = new ServerAssembler(options).assemble().getServer().getBean(WarmUp.class);
        assertThat(warmUp.getPaths()).isEqualTo("GET /, HEAD /static/app.js");
        assertThat(warmUp.getRequests()).isEqualTo(50);
        assertThat(warmUp.getTime()).isEqualTo(2000);
        assertThat(warmUp.isFailRollback()).isTrue();

        WarmUp defaults = new ServerAssembler(LauncherOptions.parse()).assemble().getServer().getBean(WarmUp.class);
        assertThat(defaults.getPaths()).isNull();
        assertThat(defaults.getRequests()).isEqualTo(WarmUp.DEFAULT_REQUESTS);
        assertThat(defaults.getTime()).isEqualTo(WarmUp.DEFAULT_TIME_MS);
        assertThat(defaults.isFailRollback()).isFalse();
        assertThat(LauncherOptions.parse("--warmup-paths", "none").warmupPaths).isEqualTo("none");
    }

    @Test
    void warmUpIsConfiguredFromJettyXml() throws Exception
    {
        Path xml = Files.writeString(dir.resolve("warmup.xml"), """
            <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
            <Configure id="Server" class="org.eclipse.jetty.server.Server">
              <Ref refid="WarmUp">
                <Set name="paths">HEAD /static/app.js, /api/status</Set>
                <Set name="requests">100</Set>
                <Set name="time">2500</Set>
                <Set name="failRollback">true</Set>
                <Set name="firstStart">true</Set>
              </Ref>
            </Configure>
            """);
        WarmUp warmUp = new ServerAssembler(LauncherOptions.parse("--config", xml.toString())).assemble().getServer().getBean(WarmUp.class);
        assertThat(warmUp.getPaths()).isEqualTo("HEAD /static/app.js, GET /api/status");
        assertThat(warmUp.getRequests()).isEqualTo(100);
        assertThat(warmUp.getTime()).isEqualTo(2500);
        assertThat(warmUp.isFailRollback()).isTrue();
        assertThat(warmUp.isFirstStart()).isTrue();

        Path post = Files.writeString(dir.resolve("post.xml"), """
            <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
            <Configure id="Server" class="org.eclipse.jetty.server.Server">
              <Ref refid="WarmUp"><Set name="paths">POST /orders</Set></Ref>
            </Configure>
            """);
        assertThat(run("--host", "127.0.0.1", "--port", "0", "--config", post.toString())).isEqualTo(1);
        assertThat(errText()).startsWith("nserv: error: --config " + post + " failed: warm-up sends only GET and HEAD");
        assertThat(errText().lines().count()).isEqualTo(1);
    }

    @Test
    void badWarmUpValuesAreOneClearLine()
    {
        assertThat(run("--warmup-paths", "/, POST /orders")).isEqualTo(2);
        assertThat(errText()).startsWith("nserv: error: invalid value for option '--warmup-paths': warm-up sends only GET and HEAD, which are safe to repeat; 'POST /orders' is refused\n");
        io.reset();
        assertThat(run("--warmup-paths", "api/status")).isEqualTo(2);
        assertThat(errText()).startsWith("nserv: error: invalid value for option '--warmup-paths': warm-up path 'api/status' must start with a single '/'");
        io.reset();
        assertThat(run("--warmup-time", "soon")).isEqualTo(2);
        assertThat(errText()).startsWith("nserv: error: invalid value for option '--warmup-time': 'soon' is not a duration");
        io.reset();
        assertThat(run("--warmup-requests", "abc")).isEqualTo(2);
        assertThat(errText()).startsWith("nserv: error: invalid value for option '--warmup-requests': 'abc' is not an integer\n");
        io.reset();

        assertThat(run("--warmup-time", "-5ms")).isEqualTo(2);
        assertThat(errText()).startsWith("nserv: error: invalid value for option '--warmup-time': '-5ms' is negative: a duration must be 0 or more\n");
        io.reset();

        assertThat(run("--cds-dir", "")).isEqualTo(2);
        assertThat(errText()).startsWith("nserv: error: invalid value for option '--cds-dir': the value is empty: give a directory, or off\n");
        io.reset();

        assertThat(run("--warmup-requests", "-1")).isEqualTo(2);
        assertThat(errText()).startsWith("nserv: error: --warmup-requests must be from 0 (off) to 1000000, was -1\n");
    }

    @Test
    void missingWebappsDirectoryIsAnError()
    {
        Path missing = dir.resolve("nope");
        assertThat(run("--webapps", missing.toString())).isEqualTo(2);
        assertThat(errText()).contains("--webapps " + missing + " is not a directory");
    }

    @Test
    void unreadableOrInvalidXmlIsAnError() throws IOException
    {
        assertThat(run("--config", dir.resolve("absent.xml").toString())).isEqualTo(2);
        assertThat(errText()).contains("absent.xml is not a readable file");
        io.reset();

        Path broken = Files.writeString(dir.resolve("broken.xml"), "<Configure id=\"Server\" class=\"org.eclipse.jetty.server.Server\"><Set name=\"nope\"");
        assertThat(run("--host", "127.0.0.1", "--port", "0", "--config", broken.toString())).isEqualTo(1);
        assertThat(errText()).contains("--config " + broken + " is not a valid Jetty XML file");
        io.reset();

        Path wrongSetter = Files.writeString(dir.resolve("wrong.xml"), """
            <?xml version="1.0"?>
            <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
            <Configure id="Server" class="org.eclipse.jetty.server.Server">
              <Ref refid="httpConnector"><Set name="maxConnections">0</Set></Ref>
            </Configure>
            """);
        assertThat(run("--host", "127.0.0.1", "--port", "0", "--config", wrongSetter.toString())).isEqualTo(1);
        assertThat(errText()).contains("--config " + wrongSetter + " failed").contains("maxConnections");
    }

    @Test
    void portInUseIsOneClearLine() throws IOException
    {
        try (ServerSocket taken = new ServerSocket())
        {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            assertThat(run("--host", "127.0.0.1", "--port", Integer.toString(taken.getLocalPort()))).isEqualTo(1);
            String text = errText();
            assertThat(text).startsWith("nserv: error: cannot listen").contains(Integer.toString(taken.getLocalPort()));
            assertThat(text.lines().count()).isEqualTo(1);
        }
    }

    @Test
    void aWebappThatFailsToDeployFailsTheStartBeforeAnythingIsServed() throws IOException
    {
        Path webapps = Files.createDirectory(dir.resolve("broken-webapps"));
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(webapps.resolve("broken.war"))))
        {
            zip.putNextEntry(new java.util.zip.ZipEntry("WEB-INF/web.xml"));
            zip.write("""
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <listener><listener-class>no.such.Listener</listener-class></listener>
                </web-app>
                """.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        assertThat(run("--host", "127.0.0.1", "--port", "0", "--webapps", webapps.toString())).isEqualTo(1);
        assertThat(errText()).startsWith("nserv: error: ").contains("webapp '/broken'").contains("no.such.Listener");
        assertThat(io.out()).doesNotContain("nserv: listening");
    }

    @Test
    void helpAndVersion()
    {
        assertThat(run("--help")).isZero();
        assertThat(io.out()).contains("--max-connections").contains("--drain-timeout").contains("ctl");
        io.reset();
        assertThat(run("--version")).isZero();
        assertThat(io.out()).contains("nserv").contains("Jetty 12.1");
    }

    @Test
    void xmlConfiguresTheThrottledConnectorAndLimits() throws Exception
    {
        Path xml = Files.writeString(dir.resolve("limits.xml"), """
            <?xml version="1.0"?>
            <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
            <Configure id="Server" class="org.eclipse.jetty.server.Server">
              <Ref refid="httpConnector">
                <Set name="maxConnections">7</Set>
                <Set name="idleTimeout">12000</Set>
              </Ref>
              <Ref refid="NservServer">
                <Set name="drainTimeout">4000</Set>
              </Ref>
            </Configure>
            """);
        LauncherOptions options = parse("--host", "127.0.0.1", "--port", "0", "--config", xml.toString());
        nserv = new ServerAssembler(options).assemble();
        ThrottledServerConnector http = (ThrottledServerConnector)nserv.getServer().getConnectors()[0];
        assertThat(http.getMaxConnections()).isEqualTo(7);
        assertThat(http.getIdleTimeout()).isEqualTo(12000);
        assertThat(nserv.getDrainTimeout()).isEqualTo(4000);
        nserv.start();
        try (RawHttp client = new RawHttp(http.getLocalPort()))
        {
            RawHttp.Response response = client.get("/");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).startsWith("pid=" + ProcessHandle.current().pid() + " generation=");
        }
    }

    @Test
    void shippedExampleXmlConfiguresTheConnectorAndLimits() throws Exception
    {
        LauncherOptions options = parse("--host", "127.0.0.1", "--port", "0", "--config", "etc/nserv.xml");
        nserv = new ServerAssembler(options).assemble();
        ThrottledServerConnector http = (ThrottledServerConnector)nserv.getServer().getConnectors()[0];
        assertThat(http.getMaxConnections()).isEqualTo(500);
        assertThat(http.getAcceptQueueSize()).isEqualTo(1024);
        assertThat(http.getBean(TcpKeepAlive.class).getIdleSeconds()).as("the launcher's keep-alive bean, set by id").isEqualTo(60);
        assertThat(http.getPort()).as("the flag still sets the port").isZero();
        assertThat(nserv.getDrainTimeout()).isEqualTo(20000);
        nserv.start();
        try (RawHttp client = new RawHttp(http.getLocalPort()))
        {
            assertThat(client.get("/readyz").status()).isEqualTo(200);
        }
    }

    @Test
    void webappsDirectoryIsHotDeployedAndUndeployed() throws Exception
    {
        Path webapps = Files.createDirectory(dir.resolve("webapps"));
        LauncherOptions options = parse("--host", "127.0.0.1", "--port", "0", "--webapps", webapps.toString(), "--scan-interval", "1");
        nserv = new ServerAssembler(options).assemble();
        nserv.start();
        int port = nserv.getServer().getURI().getPort();
        try (RawHttp client = new RawHttp(port))
        {
            assertThat(client.get("/hello/").status()).isEqualTo(404);
        }

        Path war = webapps.resolve("hello.war");
        try (InputStream demo = ServerAssembler.class.getResourceAsStream(ServerAssembler.DEMO_WAR_RESOURCE))
        {
            assertThat(demo).as("demo WAR bundled as a resource").isNotNull();
            Files.copy(demo, war);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        {
            try (RawHttp client = new RawHttp(port))
            {
                RawHttp.Response response = client.get("/hello/");
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.body()).startsWith("pid=");
            }
        });

        Files.delete(war);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        {
            try (RawHttp client = new RawHttp(port))
            {
                assertThat(client.get("/hello/").status()).isEqualTo(404);
            }
        });
    }

    private static LauncherOptions parse(String... args)
    {
        return LauncherOptions.parse(args);
    }
}
