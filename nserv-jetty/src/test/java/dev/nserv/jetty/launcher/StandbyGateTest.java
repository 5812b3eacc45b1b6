package dev.nserv.jetty.launcher;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StandbyGateTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** nserv's own class: loaded ahead, never initialised there. */
    static final class OwnClass
    {
        static
        {
            System.setProperty("standbygate.own", "initialised");
        }

        private OwnClass()
        {
        }
    }

    @AfterEach
    void clear()
    {
        System.clearProperty("standbyfixture.initialised");
        System.clearProperty("standbygate.own");
    }

    private Map<String, String> await(String text) throws Exception
    {
        InputStream in = new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
        return StandbyGate.await(in, StandbyGateTest.class.getClassLoader(), new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @Test
    void loadsAheadThenReturnsTheRestartsEnvironment() throws Exception
    {
        Map<String, String> env = await("""
            nserv-standby 1
            class standbyfixture.Initialised
            class dev.nserv.jetty.launcher.StandbyGateTest$OwnClass
            class no.such.Class
            prepare
            env NSERV_HANDOFF_SOCKET=/run/x/handoff.sock
            env EMPTY=
            env WITH_EQUALS=a=b
            go
            """);
        assertThat(env).containsExactly(Map.entry("NSERV_HANDOFF_SOCKET", "/run/x/handoff.sock"), Map.entry("EMPTY", ""), Map.entry("WITH_EQUALS", "a=b"));
        assertThat(out.toString(StandardCharsets.UTF_8)).matches("nserv: standby \\(pid \\d+\\) prepared: 2 of 3 classes loaded in \\d+ ms; it waits for the restart\\R");
        assertThat(System.getProperty("standbyfixture.initialised")).as("a library class is initialised ahead").isEqualTo("yes");
        assertThat(System.getProperty("standbygate.own")).as("nserv's own class is only loaded").isNull();
    }

    @Test
    void theEndOfStdinBeforeGoMeansNotWanted() throws Exception
    {
        assertThat(await("")).isNull();
        assertThat(await("nserv-standby 1\n")).isNull();
        assertThat(await("nserv-standby 1\nclass java.lang.String\n")).isNull();
        assertThat(await("nserv-standby 1\nprepare\nenv A=b\n")).isNull();
    }

    @Test
    void aLineOutsideTheProtocolIsNamed()
    {
        assertThatThrownBy(() -> await("hello\n"))
            .isInstanceOf(StandbyGate.StandbyException.class)
            .hasMessage("standby: line 1 from the previous generation is 'hello', expected 'nserv-standby 1'");
        assertThatThrownBy(() -> await("nserv-standby 1\nclass not a name\n"))
            .hasMessage("standby: line 2 from the previous generation is 'class not a name', expected 'class NAME' or 'prepare'");
        assertThatThrownBy(() -> await("nserv-standby 1\nprepare\nenv =value\n"))
            .hasMessage("standby: line 3 from the previous generation is 'env =value', expected 'env NAME=VALUE' or 'go'");
        assertThatThrownBy(() -> await("nserv-standby 1\nprepare\ngo now\n"))
            .hasMessageContaining("line 3").hasMessageContaining("'go now'");
        assertThatThrownBy(() -> await("nserv-standby 1\nprepare\nenv A=\0\n"))
            .hasMessageContaining("line 3").hasMessageContaining("without NUL");
        assertThatThrownBy(() -> await("nserv-standby 1\nclass " + "a".repeat(70_000) + "\n"))
            .hasMessageContaining("line 2").hasMessageContaining("a line of at most 65536 characters");
    }

    @Test
    void aClassThatFailsToInitialiseAheadEndsTheStandby()
    {
        assertThatThrownBy(() -> await("nserv-standby 1\nclass standbyfixture.FailsToInitialise\nprepare\ngo\n"))
            .isInstanceOf(StandbyGate.StandbyException.class)
            .hasMessageStartingWith("standby: initialising standbyfixture.FailsToInitialise ahead failed (java.lang.ExceptionInInitializerError")
            .hasMessageEndingWith("this standby exits, and the restart starts a fresh successor");
    }
}
