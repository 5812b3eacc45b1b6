package dev.nserv.jetty.launcher;

/** Placeholder entry point replaced by the launcher. */
public final class Main
{
    private Main()
    {
    }

    /**
     * Entry point.
     * @param args command line
     */
    public static void main(String[] args)
    {
        System.out.println("nserv");
    }
}
