package dev.nserv.jetty;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.component.AbstractLifeCycle;

/**
 * A bean that {@link NservServer} adds last to the server: it starts after the handlers and the deployment
 * scanner, and before Jetty starts the connectors, and fails the start when a webapp did not deploy. So a server
 * with a broken WAR never accepts a connection: a first start ends with an error that names the webapp, and a
 * restart's successor reports the failure while the previous generation keeps serving (roll back).
 */
public final class WebappGate extends AbstractLifeCycle
{
    private final Server server;

    /**
     * @param server the server whose webapps to check
     */
    public WebappGate(Server server)
    {
        this.server = server;
    }

    @Override
    protected void doStart() throws Exception
    {
        List<String> failures = new ArrayList<>();
        for (ContextHandler context : server.getDescendants(ContextHandler.class))
        {
            if (context.isAvailable())
                continue;
            String name = "webapp '" + context.getContextPath() + "'" + (context.getDisplayName() == null ? "" : " (" + context.getDisplayName() + ")");
            Throwable cause = unavailableCause(context);
            failures.add(name + (cause == null ? " is not available" : " failed to deploy: " + rootMessage(cause)));
        }
        if (!failures.isEmpty())
            throw new IllegalStateException(String.join("; ", failures));
        super.doStart();
    }

    /**
     * The failure of a webapp context of any environment (ee10's or ee11's {@code WebAppContext}), found by its
     * method's name: under jetty-home the environment's classes are in their own class loader, out of reach of
     * nserv's, so a reference to one of them would fail to link.
     */
    private static Throwable unavailableCause(ContextHandler context)
    {
        try
        {
            Method method = context.getClass().getMethod("getUnavailableException");
            return method.invoke(context) instanceof Throwable cause ? cause : null;
        }
        catch (ReflectiveOperationException | RuntimeException x)
        {
            return null;
        }
    }

    /**
     * @param x a failure
     * @return the innermost cause's class and message
     */
    public static String rootMessage(Throwable x)
    {
        Throwable root = x;
        while (root.getCause() != null && root.getCause() != root)
            root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
