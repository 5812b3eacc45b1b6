package dev.nserv.jetty.warmup;

import java.time.Duration;

import dev.nserv.jetty.handoff.Handover;
import dev.nserv.jetty.handoff.HandoverParticipant;

/**
 * Runs a generation's {@link WarmUp} in the handover's "before READY" phase: after the webapps deployed and before a
 * successor tells its predecessor it is ready. A {@link WarmUpFailedException} (only with fail-rollback on) fails the
 * start, so the predecessor rolls back and keeps serving.
 *
 * <pre>{@code
 * support.addParticipant(new WarmUpParticipant(server.getBean(WarmUp.class), options.getReadyTimeout()));
 * }</pre>
 */
public final class WarmUpParticipant implements HandoverParticipant
{
    private final WarmUp warmUp;
    private final Duration readyTimeout;

    /**
     * @param warmUp the server's warm-up bean
     * @param readyTimeout the successor's ready timeout, which bounds the warm-up
     */
    public WarmUpParticipant(WarmUp warmUp, Duration readyTimeout)
    {
        if (warmUp == null)
            throw new IllegalArgumentException("no WarmUp bean: add one to the server before the participant");
        this.warmUp = warmUp;
        this.readyTimeout = readyTimeout;
    }

    @Override
    public void beforeReady(Handover handover) throws WarmUpFailedException
    {
        // also when the warm-up does not apply: this is what releases the acceptors the bean parked at start
        warmUp.beforeReady(WarmUp.readyDeadline(readyTimeout));
    }
}
