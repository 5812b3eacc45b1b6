package dev.nserv.jetty.handoff;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RestartHistoryTest
{
    @Test
    void aSuccessorInheritsTheCountsAndAddsTheRestartThatMadeIt()
    {
        RestartHistory first = new RestartHistory();
        first.recordCommitted(Duration.ofMillis(1500));
        first.recordRolledBack(Duration.ofMillis(300));
        Map<String, String> env = new HashMap<>();
        first.passTo(env, System.currentTimeMillis() - 2000);

        RestartHistory successor = RestartHistory.inherited(env);
        assertThat(successor.committed()).isEqualTo(1);
        assertThat(successor.rolledBack()).isEqualTo(1);
        successor.successorCommitted();
        assertThat(successor.committed()).isEqualTo(2);
        assertThat(successor.rolledBack()).isEqualTo(1);
        assertThat(successor.rolledBackTime()).isEqualTo(Duration.ofMillis(300));
        // 1.5 s inherited plus about 2 s for this restart
        assertThat(successor.committedTime()).isBetween(Duration.ofMillis(3500), Duration.ofMillis(3500 + 60_000));
    }

    @Test
    void aFirstGenerationStartsFromNothing()
    {
        RestartHistory history = RestartHistory.inherited(Map.of());
        history.successorCommitted();
        assertThat(history.committed()).isZero();
        assertThat(history.rolledBack()).isZero();
    }

    @Test
    void aMalformedValueIsReadAsEmpty()
    {
        for (String bad : new String[]{"x", "1,2,3", "1,2,3,4,-5", "1,2,3,4,5,6"})
        {
            RestartHistory history = RestartHistory.inherited(Map.of(RestartHistory.ENV, bad));
            assertThat(history.committed()).as(bad).isZero();
            assertThat(history.rolledBack()).as(bad).isZero();
        }
    }
}
