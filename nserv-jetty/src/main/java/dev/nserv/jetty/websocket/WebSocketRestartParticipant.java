package dev.nserv.jetty.websocket;

import dev.nserv.jetty.handoff.Handover;
import dev.nserv.jetty.handoff.HandoverParticipant;

/**
 * Tells WebSocket clients to reconnect when a restart commits: the old generation closes each of its sessions with
 * 1012 (Service Restart), spread over the {@link WebSocketCloser}'s window, while the successor already accepts on the
 * same listening sockets. Returns at once; the graceful stop that follows waits for the closes to finish instead of
 * sending 1001.
 *
 * <pre>{@code
 * WebSocketCloser closer = new WebSocketCloser(nserv.getServer());
 * nserv.getServer().addBean(closer);
 * RestartSupport.install(nserv, options).addParticipant(new WebSocketRestartParticipant(closer));
 * }</pre>
 */
public class WebSocketRestartParticipant implements HandoverParticipant
{
    private final WebSocketCloser closer;

    /**
     * @param closer the server's closer
     */
    public WebSocketRestartParticipant(WebSocketCloser closer)
    {
        if (closer == null)
            throw new IllegalArgumentException("WebSocketRestartParticipant needs a WebSocketCloser, was null");
        this.closer = closer;
    }

    @Override
    public void handedOff(Handover handover)
    {
        closer.closeAll(WebSocketCloser.SERVICE_RESTART, "service restart: reconnect");
    }
}
