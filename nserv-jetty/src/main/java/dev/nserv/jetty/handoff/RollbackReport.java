package dev.nserv.jetty.handoff;

import java.util.ArrayList;
import java.util.List;

/**
 * What an operator learns from a rolled back restart: the cause and the successor's last output. The log gets
 * every kept line; the one-line error (the answer to {@code ctl restart}, JMX, SIGHUP's log line) gets only the
 * last few lines that are not stack frames, because frames say little in one line and the log has them all.
 *
 * <pre>{@code
 * RollbackReport report = new RollbackReport(tail.lines());
 * LOG.warn("... last lines:{}", report.logBlock());
 * throw new RestartFailedException(report.message(cause, generation));
 * }</pre>
 */
final class RollbackReport
{
    /** How many lines of the successor's output the one-line error keeps. */
    static final int LINES_IN_MESSAGE = 8;

    private final List<String> lines;

    /**
     * @param lines the successor's last output lines, oldest first
     */
    RollbackReport(List<String> lines)
    {
        this.lines = List.copyOf(lines);
    }

    /**
     * @return how many lines the log block shows
     */
    int lineCount()
    {
        return lines.size();
    }

    /**
     * @return every line, each on its own line behind {@code "  | "}, for a log message
     */
    String logBlock()
    {
        StringBuilder log = new StringBuilder();
        for (String line : lines)
            log.append("\n  | ").append(line);
        return log.toString();
    }

    /**
     * @param cause why the restart was rolled back
     * @param generation the generation that keeps serving
     * @return one line: the cause, who serves, and the successor's last messages
     */
    String message(String cause, int generation)
    {
        List<String> messages = new ArrayList<>();
        for (String line : lines)
        {
            String trimmed = line.trim();
            if (!trimmed.startsWith("at ") && !(trimmed.startsWith("...") && trimmed.endsWith("more")) && !trimmed.isEmpty())
                messages.add(line);
        }
        List<String> last = messages.subList(Math.max(0, messages.size() - LINES_IN_MESSAGE), messages.size());
        return "restart failed: " + cause + "; generation " + generation + " keeps serving" +
            (last.isEmpty() ? "; the successor wrote nothing" : "; last output of the successor: " + String.join(" | ", last));
    }
}
