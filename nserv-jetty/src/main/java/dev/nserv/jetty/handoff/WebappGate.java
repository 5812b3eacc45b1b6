package dev.nserv.jetty.handoff;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.component.AbstractLifeCycle;

/**
 * A bean added last to a successor's server: it starts after the handlers and the deployment scanner, and before
 * Jetty starts the connectors, and fails the start when a webapp did not deploy. So a successor with a broken WAR
 * never accepts a connection; it reports the failure and the previous generation keeps serving (roll back).
 */
final class WebappGate extends AbstractLifeCycle
{
    private final Server server;

    WebappGate(Server server)
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
            Throwable cause = context instanceof WebAppContext webapp ? webapp.getUnavailableException() : null;
            failures.add(name + (cause == null ? " is not available" : " failed to deploy: " + rootMessage(cause)));
        }
        if (!failures.isEmpty())
            throw new IllegalStateException(String.join("; ", failures));
        super.doStart();
    }

    static String rootMessage(Throwable x)
    {
        Throwable root = x;
        while (root.getCause() != null && root.getCause() != root)
            root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
