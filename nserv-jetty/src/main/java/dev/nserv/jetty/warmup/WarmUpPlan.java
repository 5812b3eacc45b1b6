package dev.nserv.jetty.warmup;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the list of distinct requests one warm-up sends: the server's paths first, then each started context's own
 * paths (its {@value WarmUp#PATHS_PARAMETER}) or, without them and without server paths, its root. A context whose
 * paths cannot be parsed is left out with a warning, so that one bad init-param does not stop the others warming.
 *
 * <pre>{@code
 * List<WarmUpPlan.Target> plan = WarmUpPlan.build(server, serverPaths);
 * }</pre>
 */
final class WarmUpPlan
{
    // logs as WarmUp: the log lines and their logger stay those of the bean users configure
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    /**
     * One request of the plan and the Host header it goes with.
     *
     * @param request the request, its path absolute on the server
     * @param host the Host header, a virtual host of the context when it has one
     */
    record Target(WarmUpRequest request, String host)
    {
    }

    private WarmUpPlan()
    {
    }

    /**
     * @param server the started server whose contexts are warmed
     * @param serverPaths the server's paths, empty for none, {@code null} for each context's root
     * @return the distinct requests, in order, possibly empty
     */
    static List<Target> build(Server server, List<WarmUpRequest> serverPaths)
    {
        List<Target> plan = new ArrayList<>();
        Set<WarmUpRequest> seen = new HashSet<>();
        if (serverPaths != null)
        {
            for (WarmUpRequest request : serverPaths)
            {
                if (seen.add(request))
                    plan.add(new Target(request, "localhost"));
            }
        }
        for (ContextHandler context : server.getDescendants(ContextHandler.class))
        {
            if (!context.isAvailable() || !context.isStarted())
                continue;
            String own = contextPaths(context);
            List<WarmUpRequest> relative;
            try
            {
                relative = own != null ? WarmUpRequest.parseList(own) : serverPaths == null ? List.of(new WarmUpRequest("GET", "/")) : List.of();
            }
            catch (IllegalArgumentException x)
            {
                LOG.warn("warm-up: context {} has an unusable {} '{}': {}; it is not warmed", context.getContextPath(), WarmUp.PATHS_PARAMETER, own, x.getMessage());
                continue;
            }
            String host = host(context);
            for (WarmUpRequest request : relative)
            {
                WarmUpRequest absolute = request.under(context.getContextPath());
                if (seen.add(absolute))
                    plan.add(new Target(absolute, host));
            }
        }
        return plan;
    }

    private static String contextPaths(ContextHandler context)
    {
        // the context's attributes layered over the ones set on the handler: also what a webapp set itself
        Object attribute = context.getContext().getAttribute(WarmUp.PATHS_PARAMETER);
        if (attribute != null)
            return attribute.toString();
        if (context instanceof ServletContextHandler servlet)
            return servlet.getInitParameter(WarmUp.PATHS_PARAMETER);
        return null;
    }

    private static String host(ContextHandler context)
    {
        // a context limited to virtual hosts answers only requests for one of them
        for (String host : context.getVirtualHosts())
        {
            if (!host.startsWith("@") && !host.startsWith("*"))
                return host;
        }
        return "localhost";
    }
}
