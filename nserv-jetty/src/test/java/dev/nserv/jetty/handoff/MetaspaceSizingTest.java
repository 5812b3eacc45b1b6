package dev.nserv.jetty.handoff;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MetaspaceSizingTest
{
    private static final long MB = 1 << 20;
    private final List<String> own = List.of("/usr/lib/jvm/java-17/bin/java", "-Xmx512m", "-jar", "/opt/nserv.jar", "--port", "8080");

    @Test
    void aSuccessorGetsAQuarterAboveThisGenerationsMetaspace()
    {
        assertThat(MetaspaceSizing.ownCommand(own, Map.of(), 40 * MB))
            .containsExactly("/usr/lib/jvm/java-17/bin/java", "-XX:MetaspaceSize=50m", "-Xmx512m", "-jar", "/opt/nserv.jar", "--port", "8080");
        assertThat(MetaspaceSizing.ownCommand(own, Map.of(), 40 * MB + 1)).as("rounded up to a megabyte").contains("-XX:MetaspaceSize=51m");
    }

    @Test
    void whatTheUserOrAnEarlierGenerationSetIsLeftAlone()
    {
        List<String> set = List.of("java", "-XX:MetaspaceSize=128m", "-jar", "nserv.jar");
        assertThat(MetaspaceSizing.ownCommand(set, Map.of(), 40 * MB)).isEqualTo(set);
        assertThat(MetaspaceSizing.ownCommand(own, Map.of("JDK_JAVA_OPTIONS", "-XX:MetaspaceSize=96m"), 40 * MB)).isEqualTo(own);
        assertThat(MetaspaceSizing.ownCommand(own, Map.of("JAVA_TOOL_OPTIONS", "-Xss1m -XX:MetaspaceSize=96m"), 40 * MB)).isEqualTo(own);
        // after -jar it is an argument of the program, not an option of the JVM
        List<String> argument = List.of("java", "-jar", "nserv.jar", "-XX:MetaspaceSize=1m");
        assertThat(MetaspaceSizing.ownCommand(argument, Map.of(), 40 * MB)).containsSubsequence("java", "-XX:MetaspaceSize=50m", "-jar");
    }

    @Test
    void nothingIsAddedForAnotherProgramOrASmallMetaspace()
    {
        List<String> wrapper = List.of("/opt/nserv/run.sh", "--port", "8080");
        assertThat(MetaspaceSizing.ownCommand(wrapper, Map.of(), 40 * MB)).isEqualTo(wrapper);
        assertThat(MetaspaceSizing.ownCommand(own, Map.of(), 12 * MB)).as("below the JVM's default threshold").isEqualTo(own);
        assertThat(MetaspaceSizing.ownCommand(List.of(), Map.of(), 40 * MB)).isEmpty();
    }

    @Test
    void thisJvmReportsItsMetaspace()
    {
        assertThat(MetaspaceSizing.committedMetaspace()).isGreaterThan(MB);
    }
}
