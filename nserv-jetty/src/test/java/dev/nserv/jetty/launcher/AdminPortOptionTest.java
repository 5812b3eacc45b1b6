package dev.nserv.jetty.launcher;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.metrics.MetricsEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class AdminPortOptionTest
{
    private final LauncherOutput io = new LauncherOutput();

    private int run(String... args)
    {
        io.reset();
        return io.run(args);
    }

    private String error()
    {
        String text = io.err();
        // one error line, then the pointer to --help; nothing was served
        assertThat(text.lines().filter(line -> line.startsWith("nserv: error:")).count()).isEqualTo(1);
        assertThat(io.out()).doesNotContain("listening on");
        return text;
    }

    @Test
    void badAdminFlagsAreOneClearError()
    {
        assertThat(run("--admin-port", "70000")).isEqualTo(2);
        assertThat(error()).startsWith("nserv: error: --admin-port must be from 0 to 65535, was 70000\n");

        assertThat(run("--admin-port", "metrics")).isEqualTo(2);
        assertThat(error()).contains("--admin-port").contains("'metrics'");

        assertThat(run("--port", "18080", "--admin-port", "18080")).isEqualTo(2);
        assertThat(error()).startsWith("nserv: error: --admin-port 18080 is also the --port; the admin port must be a port of its own (choose another, or 0 for any free port)\n");

        assertThat(run("--admin-port", "8080")).isEqualTo(2);
        assertThat(error()).startsWith("nserv: error: --admin-port 8080 is also the --port;");

        assertThat(run("--admin-port", "0", "--admin-host", "no-such-host.invalid")).isEqualTo(2);
        assertThat(error()).startsWith("nserv: error: --admin-host no-such-host.invalid does not resolve (give an address such as 127.0.0.1)\n");

        assertThat(run("--admin-host", "127.0.0.1")).isEqualTo(2);
        assertThat(error()).startsWith("nserv: error: --admin-host 127.0.0.1 given without --admin-port PORT\n");
    }

    @Test
    void theFlagsConfigureTheEndpointAndAreXmlProperties(@TempDir Path dir) throws Exception
    {
        Path xml = dir.resolve("props.xml");
        Files.writeString(xml, """
            <?xml version="1.0"?>
            <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
            <Configure id="Server" class="org.eclipse.jetty.server.Server">
              <Call name="setAttribute"><Arg>adminPort</Arg><Arg><Property name="nserv.adminPort"/></Arg></Call>
              <Call name="setAttribute"><Arg>adminHost</Arg><Arg><Property name="nserv.adminHost"/></Arg></Call>
            </Configure>
            """);
        NservServer nserv = new ServerAssembler(LauncherOptions.parse("--port", "0", "--admin-port", "0", "--admin-host", "localhost",
            "--config", xml.toString())).assemble();
        MetricsEndpoint metrics = nserv.getServer().getBean(MetricsEndpoint.class);
        assertThat(metrics.getHost()).isEqualTo("localhost");
        assertThat(metrics.getPort()).isZero();
        assertThat(nserv.getServer().getAttribute("adminPort")).isEqualTo("0");
        assertThat(nserv.getServer().getAttribute("adminHost")).isEqualTo("localhost");

        NservServer without = new ServerAssembler(LauncherOptions.parse("--port", "0")).assemble();
        assertThat(without.getServer().getBean(MetricsEndpoint.class)).isNull();
    }

    @Test
    void theEndpointIsABeanOfJettyXml(@TempDir Path dir) throws Exception
    {
        // the snippet of docs/metrics.md, on a server that has the nserv beans
        Path xml = dir.resolve("metrics.xml");
        Files.writeString(xml, """
            <?xml version="1.0"?>
            <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
            <Configure id="Server" class="org.eclipse.jetty.server.Server">
              <Call name="addBean">
                <Arg>
                  <New id="MetricsEndpoint" class="dev.nserv.jetty.metrics.MetricsEndpoint">
                    <Arg name="server"><Ref refid="Server"/></Arg>
                    <Set name="host"><Property name="nserv.adminHost" default="127.0.0.1"/></Set>
                    <Set name="port"><Property name="nserv.adminPort" default="0"/></Set>
                  </New>
                </Arg>
              </Call>
            </Configure>
            """);
        NservServer nserv = new ServerAssembler(LauncherOptions.parse("--port", "0", "--config", xml.toString())).assemble();
        MetricsEndpoint metrics = nserv.getServer().getBean(MetricsEndpoint.class);
        assertThat(metrics).isNotNull();
        assertThat(metrics.getHost()).isEqualTo("127.0.0.1");
        assertThat(dev.nserv.jetty.sockets.ListenerNames.names(nserv.getServer())).containsExactly("http", "admin");
        nserv.start();
        try
        {
            assertThat(metrics.getLocalPort()).isPositive();
            assertThat(metrics.scrape()).contains("nserv_generation 1.0");
        }
        finally
        {
            nserv.stop();
            assertThat(nserv.awaitStopped(java.time.Duration.ofSeconds(30))).isTrue();
        }
    }
}
