package dev.nserv.jetty.handoff;

import java.nio.file.Path;

import dev.nserv.jetty.NservServer;

/**
 * What a {@link HandoverParticipant} may know and set about this generation and its neighbours: the server, the
 * restarter, whether this generation is a successor, and after a handoff which process took over.
 */
public final class Handover
{
    private final NservServer server;
    private final Restarter restarter;
    private volatile HandoffClient predecessor;
    private volatile long successorPid = -1;

    Handover(NservServer server, Restarter restarter)
    {
        this.server = server;
        this.restarter = restarter;
    }

    void setPredecessor(HandoffClient client)
    {
        predecessor = client;
    }

    void setSuccessorPid(long pid)
    {
        successorPid = pid;
    }

    /**
     * @return the server of this generation
     */
    public NservServer server()
    {
        return server;
    }

    /**
     * @return the restart trigger of this generation
     */
    public Restarter restarter()
    {
        return restarter;
    }

    /**
     * @return this generation's number
     */
    public int generation()
    {
        return server.getGeneration();
    }

    /**
     * @return whether this generation took over from a predecessor (it was started by a restart)
     */
    public boolean isSuccessor()
    {
        return predecessor != null;
    }

    /**
     * @return the predecessor's control socket path, which a successor takes over, or {@code null}
     */
    public Path inheritedControlSocket()
    {
        HandoffClient client = predecessor;
        return client == null ? null : client.controlSocket();
    }

    /**
     * Names the control socket: its directory also holds the one-off handoff sockets, and a successor takes the
     * path over. Without it this generation refuses to restart.
     * @param socket the control socket path
     */
    public void setControlSocket(Path socket)
    {
        restarter.setControlSocket(socket);
    }

    /**
     * @return whether this generation handed its listeners off to a committed successor
     */
    public boolean isHandedOff()
    {
        return restarter.state().isHandedOff();
    }

    /**
     * @return the pid of the committed successor, or -1 before a handoff
     */
    public long successorPid()
    {
        return successorPid;
    }
}
