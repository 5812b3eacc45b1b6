package dev.nserv.jetty.supervise;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import dev.nserv.jetty.handoff.Handover;
import dev.nserv.jetty.handoff.HandoverParticipant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A generation's line to its supervisor: tells it, over the Unix socket named by {@value #ENV_SOCKET}, when this
 * generation serves ({@code SERVING}) and when it has committed a successor ({@code HANDED_OFF}), so that the
 * supervisor watches the right process and expects this one's exit. Present only when the supervisor started the
 * generation (or one of its predecessors); a message that cannot be sent is logged, never fails the generation.
 *
 * <pre>{@code
 * SupervisorLink.fromEnvironment(System.getenv()).ifPresent(support::addParticipant);
 * }</pre>
 */
public final class SupervisorLink implements HandoverParticipant
{
    /** The environment variable with the supervisor's socket; successors inherit it. */
    public static final String ENV_SOCKET = "NSERV_SUPERVISOR_SOCKET";

    private static final Logger LOG = LoggerFactory.getLogger(SupervisorLink.class);

    private final Path socket;

    /**
     * @param socket the supervisor's socket
     */
    public SupervisorLink(Path socket)
    {
        this.socket = socket;
    }

    /**
     * @param env the environment
     * @return a link when this generation runs under a supervisor
     */
    public static Optional<SupervisorLink> fromEnvironment(Map<String, String> env)
    {
        String path = env.get(ENV_SOCKET);
        return path == null || path.isBlank() ? Optional.empty() : Optional.of(new SupervisorLink(Path.of(path)));
    }

    @Override
    public void serving(Handover handover)
    {
        send(SupervisorMessage.serving(ProcessHandle.current().pid(), handover.generation()));
    }

    @Override
    public void handedOff(Handover handover)
    {
        // before the trigger returns: a kill -9 of the successor right after the restart is then seen as a crash
        send(SupervisorMessage.handedOff(ProcessHandle.current().pid(), handover.generation(), handover.successorPid()));
    }

    /**
     * Sends one message on a connection of its own.
     * @param message the message
     * @return whether it was sent
     */
    boolean send(SupervisorMessage message)
    {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket)))
        {
            ByteBuffer bytes = ByteBuffer.wrap((message.line() + "\n").getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining())
                channel.write(bytes);
            return true;
        }
        catch (IOException x)
        {
            LOG.warn("cannot tell the supervisor ({}={}) '{}': {}", ENV_SOCKET, socket, message.line(), x.toString());
            return false;
        }
    }
}
