package dev.nserv.demo;

import jakarta.servlet.ServletContext;

/** Identity of the serving process: its pid and the nserv generation that runs it (public for the JSP pages). */
public final class ServerInfo
{
    /** Context attribute nserv sets on every webapp; the system property is the fallback. */
    static final String GENERATION_ATTRIBUTE = "dev.nserv.generation";

    private ServerInfo()
    {
    }

    static long pid()
    {
        return ProcessHandle.current().pid();
    }

    static String generation(ServletContext context)
    {
        Object attribute = context.getAttribute(GENERATION_ATTRIBUTE);
        if (attribute != null)
            return attribute.toString();
        return System.getProperty("nserv.generation", "1");
    }

    /**
     * @param context the webapp's context, whose attribute names the generation
     * @return {@code pid=NNN generation=G}
     */
    public static String describe(ServletContext context)
    {
        return "pid=" + pid() + " generation=" + generation(context);
    }
}
