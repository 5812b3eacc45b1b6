package dev.nserv.jetty.launcher;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad values of the log flags: one clear error line naming the value, before anything is served. */
class LogOptionsTest
{
    @TempDir
    Path tmp;

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
    void unknownLogFormat()
    {
        assertThat(run("--log-format", "xml")).isEqualTo(Main.EXIT_USAGE);
        assertThat(errText()).startsWith("nserv: error: invalid value for option '--log-format': unknown log format 'xml': give text (Jetty's line format, the default) or json (one JSON object per line)\n");
        assertThat(io.out()).isEmpty();
    }

    @Test
    void accessLogInAMissingDirectory()
    {
        Path file = tmp.resolve("no-such-dir/access.log");
        assertThat(run("--port", "0", "--access-log", file.toString())).isEqualTo(Main.EXIT_USAGE);
        assertThat(errText()).startsWith("nserv: error: --access-log " + file + ": directory " + file.getParent() + " does not exist (create it or give another file)\n");
        assertThat(io.out()).doesNotContain("nserv: listening");
    }

    @Test
    void accessLogThatIsADirectory()
    {
        assertThat(run("--port", "0", "--access-log", tmp.toString())).isEqualTo(Main.EXIT_USAGE);
        assertThat(errText()).startsWith("nserv: error: --access-log " + tmp + " is a directory (give a file to append to)\n");
    }

    @Test
    void badAccessLogFormat()
    {
        assertThat(run("--access-log-format", "%{client}a %{oops")).isEqualTo(Main.EXIT_USAGE);
        assertThat(errText()).startsWith("nserv: error: invalid value for option '--access-log-format': access log format '%{client}a %{oops' is not a CustomRequestLog format");
    }

    @Test
    void aLogFormatInJettyXmlThatIsNotALiteralIsOneErrorLine() throws java.io.IOException
    {
        Path config = tmp.resolve("logs.xml");
        java.nio.file.Files.writeString(config, "<Configure id=\"Server\" class=\"org.eclipse.jetty.server.Server\"><Ref refid=\"Logs\">"
            + "<Set name=\"format\"><Property name=\"fmt\"/></Set></Ref></Configure>");
        assertThat(run("--port", "0", "--config", config.toString())).isEqualTo(Main.EXIT_USAGE);
        assertThat(errText()).isEqualTo("nserv: error: --config " + config + ": the log format <Set name=\"format\"> holds <Property>, but it is read before any XML runs, so it must be a literal: text or json\n");
        assertThat(io.out()).isEmpty();
    }

    @Test
    void helpListsTheLogFlags()
    {
        assertThat(run("--help")).isZero();
        assertThat(io.out()).contains("--log-format FORMAT").contains("--access-log FILE").contains("--access-log-format FORMAT");
    }
}
