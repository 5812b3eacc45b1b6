package dev.nserv.jetty;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GenerationTest
{
    @Test
    void parsesTheInheritedValue()
    {
        assertThatThrownBy(() -> Generation.parse("x")).hasMessageContaining("NSERV_GENERATION");
        assertThatThrownBy(() -> Generation.parse("0")).hasMessageContaining("positive integer");
        assertThat(Generation.parse(null)).isEqualTo(1);
        assertThat(Generation.parse(" ")).isEqualTo(1);
        assertThat(Generation.parse("7")).isEqualTo(7);
    }

    @Test
    void aSuccessorInheritsItThroughTheOneVariable()
    {
        Map<String, String> env = new HashMap<>();
        Generation.passTo(env, 3);
        assertThat(env).containsEntry(Generation.ENV, "3");
        assertThat(Generation.parse(env.get(Generation.ENV))).isEqualTo(3);
    }
}
