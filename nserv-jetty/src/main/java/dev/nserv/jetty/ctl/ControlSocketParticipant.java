package dev.nserv.jetty.ctl;

import java.io.IOException;
import java.nio.file.Path;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.handoff.Handover;
import dev.nserv.jetty.handoff.HandoverParticipant;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control socket's part in a change of generation: bound under a temporary name before this generation
 * reports ready, renamed over the public path once it serves (so a successor takes the path over atomically), and
 * closed at the stop -- leaving the file alone after a handoff, when it is the successor's.
 * <p>
 * The path: the configured one, else the predecessor's, else {@code nserv-<port>.sock} in the private default
 * directory ({@link ControlPaths}).
 *
 * <pre>{@code
 * RestartSupport.install(nserv, options).addParticipant(new ControlSocketParticipant(options.getControlSocket()));
 * }</pre>
 */
public final class ControlSocketParticipant implements HandoverParticipant
{
    private static final Logger LOG = LoggerFactory.getLogger(ControlSocketParticipant.class);

    private final Path configured;
    private volatile ControlServer control;

    /**
     * @param configured the control socket path, or {@code null} for the default
     */
    public ControlSocketParticipant(Path configured)
    {
        this.configured = configured;
    }

    /**
     * @return the control socket path, once the server has started
     */
    public Path path()
    {
        ControlServer server = control;
        return server == null ? null : server.path();
    }

    @Override
    public void beforeReady(Handover handover) throws IOException
    {
        Path path = path(handover);
        ControlServer server = new ControlServer(path, new ControlCommands(handover.server(), handover.restarter()));
        server.bindTemporary();
        control = server;
    }

    private Path path(Handover handover) throws IOException
    {
        if (configured != null)
        {
            String warning = ControlPaths.checkSocketDirectory(configured);
            if (warning != null)
                LOG.warn(warning);
            return configured.toAbsolutePath();
        }
        ControlPaths.ensurePrivateDirectory(ControlPaths.defaultDirectory());
        if (handover.inheritedControlSocket() != null)
            return handover.inheritedControlSocket();
        for (Connector connector : handover.server().getServer().getConnectors())
        {
            if (connector instanceof ServerConnector first)
                return ControlPaths.defaultSocket(ControlPaths.defaultDirectory(), first.getLocalPort());
        }
        throw new IOException("no connector to name the control socket after; set a control socket path");
    }

    @Override
    public void serving(Handover handover) throws IOException
    {
        ControlServer server = control;
        NservServer nserv = handover.server();
        handover.setControlSocket(server.path());
        try
        {
            server.publish();
        }
        catch (IOException x)
        {
            server.close();
            if (!handover.isSuccessor())
                throw x;
            LOG.error("control socket {} not available ({}); ctl cannot reach generation {}, JMX and SIGHUP still can", server.path(), x.getMessage(), nserv.getGeneration());
        }
        LOG.info("generation {} (pid {}) ready; restart with: java -jar nserv.jar ctl --socket {} restart, or kill -HUP {}",
            nserv.getGeneration(), nserv.getPid(), server.path(), nserv.getPid());
    }

    @Override
    public void stopped(Handover handover)
    {
        ControlServer server = control;
        if (server != null)
            server.close(!handover.isHandedOff());
    }
}
