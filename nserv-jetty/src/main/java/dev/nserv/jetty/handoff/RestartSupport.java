package dev.nserv.jetty.handoff;

import dev.nserv.jetty.NservServer;

/**
 * Installs socket adoption, restart and the control socket on an nserv server.
 * (Interim version written by the lead so that the launcher compiles; the handoff owner replaces it.)
 */
public final class RestartSupport
{
    private RestartSupport()
    {
    }

    /**
     * @param server the server to equip
     * @param options the launcher's restart settings
     */
    public static void install(NservServer server, RestartOptions options)
    {
        if (options.isInheritFd0())
            throw new IllegalStateException("--inherit-fd0 is not available in this build yet");
    }
}
