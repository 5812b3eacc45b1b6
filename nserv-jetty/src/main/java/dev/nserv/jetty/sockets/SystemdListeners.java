package dev.nserv.jetty.sockets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads systemd's socket activation variables ({@code LISTEN_PID}, {@code LISTEN_FDS}, {@code LISTEN_FDNAMES})
 * and decides which inherited fd goes to which connector. It only plans; {@link InheritedListeners} validates the
 * fds and keeps them for their connectors.
 * <p>
 * The fds are 3, 4, ... ({@code SD_LISTEN_FDS_START}). When every name in {@code LISTEN_FDNAMES} is the name
 * of a connector (set {@code FileDescriptorName=http} in the .socket unit), fds go by name; when no name matches
 * (systemd's default names are the socket unit's name), they go by order; a mix is an error, as are more fds
 * than connectors. Variables meant for another process ({@code LISTEN_PID} not this pid) are ignored, as
 * {@code sd_listen_fds(3)} does.
 *
 * <pre>{@code
 * List<SystemdListeners.Assignment> plan =
 *     SystemdListeners.plan(System.getenv(), ProcessHandle.current().pid(), List.of("http", "https"));
 * }</pre>
 */
public final class SystemdListeners
{
    /** The first fd systemd passes. */
    static final int LISTEN_FDS_START = 3;
    /** The variables that carry socket activation; never passed on to a successor. */
    public static final List<String> VARIABLES = List.of("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES");

    private SystemdListeners()
    {
    }

    /** One inherited fd and the connector (by index) that adopts it. */
    static final class Assignment
    {
        final int fd;
        final int connector;
        final String label;

        Assignment(int fd, int connector, String label)
        {
            this.fd = fd;
            this.connector = connector;
            this.label = label;
        }

        @Override
        public String toString()
        {
            return label + " -> connector #" + connector;
        }
    }

    /**
     * systemd's sockets for this process by the name of the connector that adopts each, by the rules of
     * {@link #plan} (names from {@code LISTEN_FDNAMES}, else by order); for a process that holds the sockets
     * without being a server, the supervisor of {@code --supervise}.
     * @param env the environment
     * @param pid this process's id
     * @param connectorNames the connectors' names in order
     * @return fd by connector name, empty when systemd passed nothing to this process
     * @throws IllegalStateException when the variables do not fit the names
     */
    public static Map<String, Integer> fdsByName(Map<String, String> env, long pid, List<String> connectorNames)
    {
        Map<String, Integer> fds = new java.util.LinkedHashMap<>();
        for (Assignment assignment : plan(env, pid, connectorNames))
            fds.put(connectorNames.get(assignment.connector), assignment.fd);
        return fds;
    }

    /**
     * Plans the adoption.
     * @param env the environment
     * @param pid this process's id
     * @param connectorNames the connectors' names in order ({@code null} entries for unnamed connectors)
     * @return the assignments, empty when systemd passed nothing to this process
     * @throws IllegalStateException naming the variable and the fix when the variables do not fit the connectors
     */
    static List<Assignment> plan(Map<String, String> env, long pid, List<String> connectorNames)
    {
        String listenPid = env.get("LISTEN_PID");
        String listenFds = env.get("LISTEN_FDS");
        if (listenPid == null || listenFds == null)
            return List.of();
        long forPid;
        int count;
        try
        {
            forPid = Long.parseLong(listenPid.trim());
        }
        catch (NumberFormatException x)
        {
            throw new IllegalStateException("LISTEN_PID='" + listenPid + "' is not a process id");
        }
        if (forPid != pid)
            return List.of();
        try
        {
            count = Integer.parseInt(listenFds.trim());
        }
        catch (NumberFormatException x)
        {
            throw new IllegalStateException("LISTEN_FDS='" + listenFds + "' is not a number of sockets");
        }
        if (count < 0)
            throw new IllegalStateException("LISTEN_FDS=" + count + " is negative");
        if (count == 0)
            return List.of();
        if (count > connectorNames.size())
            throw new IllegalStateException("systemd passed " + count + " sockets (LISTEN_FDS=" + count + ") but the server has " + connectorNames.size() +
                " connector(s) " + connectorNames + ": configure one connector per socket, or fewer ListenStream= lines in the .socket unit");

        String fdNames = env.get("LISTEN_FDNAMES");
        List<String> names = fdNames == null ? List.of() : Arrays.asList(fdNames.split(":", -1));
        if (fdNames != null && names.size() != count)
            throw new IllegalStateException("LISTEN_FDNAMES='" + fdNames + "' has " + names.size() + " names but LISTEN_FDS=" + count);

        int matching = 0;
        for (String name : names)
        {
            if (connectorNames.contains(name))
                matching++;
        }
        List<Assignment> plan = new ArrayList<>();
        if (matching == 0)
        {
            for (int i = 0; i < count; i++)
            {
                String label = "fd " + (LISTEN_FDS_START + i) + " (LISTEN_FDS #" + (i + 1) + (names.isEmpty() ? "" : ", name '" + names.get(i) + "'") + ", by order)";
                plan.add(new Assignment(LISTEN_FDS_START + i, i, label));
            }
            return plan;
        }
        if (matching < count)
        {
            List<String> unmatched = new ArrayList<>();
            for (String name : names)
            {
                if (!connectorNames.contains(name))
                    unmatched.add(name);
            }
            throw new IllegalStateException("LISTEN_FDNAMES='" + fdNames + "': " + unmatched + " match no connector of " + connectorNames +
                ": set FileDescriptorName= in the .socket unit to a connector name");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < count; i++)
        {
            String name = names.get(i);
            if (!seen.add(name))
                throw new IllegalStateException("LISTEN_FDNAMES='" + fdNames + "' names connector '" + name + "' twice; a connector adopts one socket");
            String label = "fd " + (LISTEN_FDS_START + i) + " (LISTEN_FDS #" + (i + 1) + ", name '" + name + "')";
            plan.add(new Assignment(LISTEN_FDS_START + i, connectorNames.indexOf(name), label));
        }
        return plan;
    }
}
