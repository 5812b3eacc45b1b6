package dev.nserv.jetty.ctl;

import java.io.PrintStream;

/**
 * {@code java -jar nserv.jar ctl ...}.
 * (Interim version written by the lead so that the launcher compiles; the handoff owner replaces it.)
 */
public final class Ctl
{
    private Ctl()
    {
    }

    /**
     * @param args arguments after "ctl"
     * @param out standard output
     * @param err standard error
     * @return exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err)
    {
        err.println("nserv ctl: not available in this build yet");
        return 2;
    }
}
