package dev.nserv.jetty.handoff;

/**
 * Tells systemd ({@code NOTIFY_SOCKET}) which process is the service's main process and what it does: READY=1 once
 * this generation serves (with MAINPID when it took over from a predecessor), MAINPID of the successor after a
 * handoff, STOPPING=1 at a plain stop.
 */
final class SdNotifyParticipant implements HandoverParticipant
{
    private final SdNotify sdNotify;

    SdNotifyParticipant(SdNotify sdNotify)
    {
        this.sdNotify = sdNotify;
    }

    @Override
    public void serving(Handover handover)
    {
        sdNotify.notify((handover.isSuccessor() ? "MAINPID=" + ProcessHandle.current().pid() + "\n" : "") +
            "READY=1\nSTATUS=generation " + handover.generation() + " serving");
    }

    @Override
    public void handedOff(Handover handover)
    {
        sdNotify.notify("MAINPID=" + handover.successorPid() + "\nSTATUS=generation " + (handover.generation() + 1) + " serving; generation " +
            handover.generation() + " draining");
    }

    @Override
    public void stopping(Handover handover)
    {
        if (!handover.isHandedOff())
            sdNotify.notify("STOPPING=1");
    }
}
