package dev.nserv.jetty.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the launcher in this JVM with its standard output and error captured, for the launcher's option tests. */
final class LauncherOutput
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** @return the exit code of {@code Main.run}; what it printed adds to what earlier runs printed */
    int run(String... args)
    {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Forgets what was printed so far. */
    void reset()
    {
        out.reset();
        err.reset();
    }

    /**
     * Runs the launcher with arguments that must be refused: exit 2, exactly one error line, nothing started.
     * @return standard error
     */
    String oneError(String... args)
    {
        reset();
        assertThat(run(args)).isEqualTo(2);
        assertThat(err().lines().filter(line -> line.startsWith("nserv: error:")).count()).isEqualTo(1);
        assertThat(out()).doesNotContain("listening on");
        return err();
    }
}
