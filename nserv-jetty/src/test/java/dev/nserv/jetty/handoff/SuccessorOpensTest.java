package dev.nserv.jetty.handoff;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tests run with the opens, so a successor's command and environment stay as they are; the checks that decide
 * where the option would go are tested directly. JettyHomeModuleIT covers a JVM without the opens.
 */
class SuccessorOpensTest
{
    @Test
    void nothingChangesWhenThisJvmHasTheOpens()
    {
        List<String> command = List.of("/usr/bin/java", "-jar", "start.jar");
        assertThat(SuccessorOpens.ownCommand(command)).isSameAs(command);
        Map<String, String> env = new HashMap<>(Map.of(SuccessorOpens.JAVA_OPTIONS, "-Xmx64m"));
        SuccessorOpens.environment(List.of("./run.sh"), env);
        assertThat(env).containsEntry(SuccessorOpens.JAVA_OPTIONS, "-Xmx64m");
    }

    @Test
    void javaLaunchersAreRecognisedByTheirFileName()
    {
        assertThat(SuccessorOpens.isJava("/usr/lib/jvm/java-17-openjdk-amd64/bin/java")).isTrue();
        assertThat(SuccessorOpens.isJava("java")).isTrue();
        assertThat(SuccessorOpens.isJava("/opt/app/run.sh")).isFalse();
        assertThat(SuccessorOpens.isJava("/usr/bin/javaw")).isFalse();
    }
}
