package dev.nserv.jetty.handoff;

import java.io.IOException;

/**
 * Keeps the pid file naming the serving generation: written when this generation serves, removed at its stop
 * unless a successor took over (the successor's own write replaces the file atomically).
 */
final class PidFileParticipant implements HandoverParticipant
{
    private final PidFile pidFile;

    PidFileParticipant(PidFile pidFile)
    {
        this.pidFile = pidFile;
    }

    @Override
    public void serving(Handover handover) throws IOException
    {
        try
        {
            pidFile.write();
        }
        catch (IOException x)
        {
            throw new IOException("cannot write the pid file " + pidFile.path() + ": " + x.getMessage(), x);
        }
    }

    @Override
    public void stopped(Handover handover)
    {
        if (!handover.isHandedOff())
            pidFile.removeIfOwn();
    }
}
