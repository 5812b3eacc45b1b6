package dev.nserv.jetty.ctl;

import java.util.ArrayList;
import java.util.List;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.ThrottledServerConnector;
import dev.nserv.jetty.handoff.RestartControl;
import dev.nserv.jetty.handoff.RestartFailedException;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The commands the control socket answers, one line in, lines out, the last {@code OK ...} or {@code ERR ...}:
 * <ul>
 * <li>{@code status}: generation, pid, state (ready/draining/stopping), restart state, requests, and per connector
 * its open connections, limit, address, socket inode and where the socket came from;</li>
 * <li>{@code restart}: a zero-downtime restart, answered when the successor is ready or the restart rolled back;</li>
 * <li>{@code stop}: the graceful exit;</li>
 * <li>{@code limit N} or {@code limit CONNECTOR N}: the connection limit of every (or one) throttled connector.</li>
 * </ul>
 */
public final class ControlCommands implements ControlServer.Handler
{
    private final NservServer nserv;
    private final RestartControl restarter;

    /**
     * @param nserv the server
     * @param restarter its restart trigger
     */
    public ControlCommands(NservServer nserv, RestartControl restarter)
    {
        this.nserv = nserv;
        this.restarter = restarter;
    }

    @Override
    public List<String> handle(String command)
    {
        String[] words = command.trim().split("\\s+");
        switch (words[0])
        {
            case "status":
                return words.length == 1 ? status() : List.of("ERR usage: status");
            case "restart":
                return words.length == 1 ? restart() : List.of("ERR usage: restart");
            case "stop":
                return words.length == 1 ? stop() : List.of("ERR usage: stop");
            case "limit":
                return limit(words);
            default:
                return List.of("ERR unknown command '" + abbreviate(command) + "'; commands: status, restart, stop, limit N");
        }
    }

    private static String abbreviate(String s)
    {
        String printable = s.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
    }

    private List<String> status()
    {
        List<String> lines = new ArrayList<>();
        lines.add("generation: " + nserv.getGeneration());
        lines.add("pid: " + nserv.getPid());
        lines.add("state: " + (nserv.isDraining() ? "draining" : nserv.isStopping() ? "stopping" : nserv.isReady() ? "ready" : "starting"));
        lines.add("restart: " + restarter.getState());
        lines.add("last-restart: " + restarter.getLastResult());
        lines.add("requests-in-flight: " + nserv.getDrainHandler().getRequestsInFlight());
        lines.add("requests-handled: " + nserv.getDrainHandler().getRequestsHandled());
        List<String> listeners = restarter.getListeners();
        int index = 0;
        for (Connector connector : nserv.getServer().getConnectors())
        {
            if (!(connector instanceof ServerConnector serverConnector))
                continue;
            String connections = connector instanceof ThrottledServerConnector throttled
                ? "connections=" + throttled.getActiveConnections() + " limit=" + throttled.getMaxConnections()
                : "connections=" + serverConnector.getConnectedEndPoints().size() + " limit=none";
            String listener = index < listeners.size() ? listeners.get(index) : "";
            lines.add("connector: " + connections + " listener=" + listener);
            index++;
        }
        lines.add("OK");
        return lines;
    }

    private List<String> restart()
    {
        try
        {
            return List.of("OK restarted: " + restarter.restartOrFail());
        }
        catch (RestartFailedException | IllegalStateException x)
        {
            return List.of("ERR " + x.getMessage());
        }
    }

    private List<String> stop()
    {
        if (nserv.stop())
        {
            return List.of("OK stopping generation " + nserv.getGeneration() + " (pid " + nserv.getPid() + ") gracefully");
        }
        return List.of("OK generation " + nserv.getGeneration() + " (pid " + nserv.getPid() + ") is already stopping");
    }

    private List<String> limit(String[] words)
    {
        if (words.length < 2 || words.length > 3)
            return List.of("ERR usage: limit N, or limit CONNECTOR N");
        String name = words.length == 3 ? words[1] : null;
        String value = words[words.length - 1];
        int limit;
        try
        {
            limit = Integer.parseInt(value);
        }
        catch (NumberFormatException x)
        {
            return List.of("ERR limit must be a whole number of connections, was '" + abbreviate(value) + "'");
        }
        List<String> changed = new ArrayList<>();
        try
        {
            for (Connector connector : nserv.getServer().getConnectors())
            {
                if (connector instanceof ThrottledServerConnector throttled && (name == null || name.equals(connector.getName())))
                {
                    throttled.setMaxConnections(limit);
                    changed.add(connector.getName());
                }
            }
        }
        catch (IllegalArgumentException x)
        {
            return List.of("ERR " + x.getMessage());
        }
        if (changed.isEmpty())
            return List.of("ERR no throttled connector" + (name == null ? "" : " named '" + abbreviate(name) + "'"));
        return List.of("OK limit " + limit + " on connector(s) " + String.join(", ", changed));
    }
}
