package dev.nserv.jetty.handoff;

/**
 * A part of the server that takes part in a change of generation: the control socket, the pid file, systemd's
 * notifications, and later session restore, warm-up or WebSockets. {@link RestartSupport} calls every participant,
 * in the order they were added, at each phase below; a participant overrides only the phases it needs.
 * <p>
 * Error policy, the same for every participant: before this generation serves alone a failure fails the start
 * (a successor then reports FAILED and its predecessor rolls back); once it serves alone -- a first start has
 * passed {@link #serving}, or a successor's predecessor has committed -- a failure is logged and never undoes the
 * handover. The phases of the old generation ({@link #handedOff}, {@link #rolledBack}) and of the stop are logged
 * only, and every participant still runs.
 *
 * <pre>{@code
 * support.addParticipant(new HandoverParticipant()
 * {
 *     public void beforeReady(Handover handover) throws Exception
 *     {
 *         warmUp(handover.server());          // a failure rolls the restart back
 *     }
 * });
 * }</pre>
 */
public interface HandoverParticipant
{
    /**
     * After the server started and before this generation reports ready: to its predecessor (READY), or, on a
     * first start, to the world. A failure fails the start, and a predecessor rolls back and serves on.
     * @throws Exception to fail the start, with a message for the operator
     */
    default void beforeReady(Handover handover) throws Exception
    {
    }

    /**
     * This generation is the serving one: after a first start, or once the predecessor committed. On a first
     * start a failure fails the start; a committed successor only logs it (it serves alone from then on).
     * @throws Exception when this participant could not take over
     */
    default void serving(Handover handover) throws Exception
    {
    }

    /**
     * Old generation: the successor was committed; this generation stops accepting and drains.
     * @throws Exception logged only
     */
    default void handedOff(Handover handover) throws Exception
    {
    }

    /**
     * Old generation: a restart was rolled back; this generation serves on.
     * @param cause why, one line
     * @throws Exception logged only
     */
    default void rolledBack(Handover handover, String cause) throws Exception
    {
    }

    /**
     * The server begins to stop: a plain stop, a failed start, or the drain after a handoff
     * ({@link Handover#isHandedOff()}).
     * @throws Exception logged only
     */
    default void stopping(Handover handover) throws Exception
    {
    }

    /**
     * The server has stopped, and no restart is under way any more.
     * @throws Exception logged only
     */
    default void stopped(Handover handover) throws Exception
    {
    }
}
