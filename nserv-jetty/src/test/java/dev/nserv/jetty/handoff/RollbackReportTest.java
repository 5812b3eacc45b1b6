package dev.nserv.jetty.handoff;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RollbackReportTest
{
    @Test
    void theMessageKeepsTheLastLinesThatAreNotStackFrames()
    {
        RollbackReport report = new RollbackReport(List.of(
            "starting",
            "java.lang.IllegalStateException: boom",
            "\tat dev.nserv.Demo.init(Demo.java:1)",
            "\t... 12 more",
            "",
            "successor says: bye"));
        assertThat(report.message("the successor (pid 7) exited with code 3 before it was ready", 1))
            .isEqualTo("restart failed: the successor (pid 7) exited with code 3 before it was ready; generation 1 keeps serving; " +
                "last output of the successor: starting | java.lang.IllegalStateException: boom | successor says: bye");
        assertThat(report.logBlock()).contains("\n  | \tat dev.nserv.Demo.init(Demo.java:1)").contains("\n  | successor says: bye");
        assertThat(report.lineCount()).isEqualTo(6);
    }

    @Test
    void theMessageShowsAtMostEightLines()
    {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 12; i++)
            lines.add("line " + i);
        assertThat(new RollbackReport(lines).message("timeout", 2))
            .endsWith("last output of the successor: line 5 | line 6 | line 7 | line 8 | line 9 | line 10 | line 11 | line 12")
            .doesNotContain("line 4 ");
    }

    @Test
    void aSilentSuccessorIsNamedAsSuch()
    {
        assertThat(new RollbackReport(List.of()).message("timeout", 3))
            .isEqualTo("restart failed: timeout; generation 3 keeps serving; the successor wrote nothing");
    }
}
