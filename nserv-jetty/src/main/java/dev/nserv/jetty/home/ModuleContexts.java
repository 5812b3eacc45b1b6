package dev.nserv.jetty.home;

import java.util.List;

import dev.nserv.jetty.DrainingDeployer;
import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.RedeployDrainingContexts;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

/**
 * Puts nserv's {@link RedeployDrainingContexts} in the place of jetty-home's {@code Contexts} (the
 * {@code ContextHandlerCollection} that jetty-home's {@code etc/jetty.xml} creates), for the {@code nserv-deploy}
 * module, whose {@link DrainingDeployer} then deploys into it: a hot redeploy or undeploy lets the old context
 * finish its requests before it stops, as in the bundled server. jetty-home names no property for the class of its
 * contexts, so the module replaces the object: wherever it is in the server's handler chain (behind nserv's probe
 * and drain handlers, or behind any other module's wrapper), with the contexts added to it so far and its
 * {@code dynamic} setting. The XML then binds the id {@code Contexts} to the new collection, so files read later
 * (the deployment scanner's environments, other modules) use it.
 *
 * <pre>{@code
 * <Call id="Contexts" class="dev.nserv.jetty.home.ModuleContexts" name="replace">
 *   <Arg><Ref refid="Server"/></Arg>
 *   <Arg><Ref refid="Contexts"/></Arg>
 *   <Arg><Ref refid="NservServer"/></Arg>
 * </Call>
 * }</pre>
 */
public final class ModuleContexts
{
    private ModuleContexts()
    {
    }

    /**
     * @param server jetty-home's server, not started
     * @param contexts jetty-home's {@code Contexts}, somewhere in the server's handler chain
     * @param nserv the module's server, whose drain timeout bounds the wait for the old context's requests
     * @return the collection that took its place; returned as is if {@code contexts} already is one
     */
    public static RedeployDrainingContexts replace(Server server, ContextHandlerCollection contexts, NservServer nserv)
    {
        long redeployDrainTimeoutMs = nserv.getDrainTimeout();
        if (contexts instanceof RedeployDrainingContexts draining)
        {
            draining.setRedeployDrainTimeout(redeployDrainTimeoutMs);
            return draining;
        }
        if (server.isStarted() || server.isStarting())
            throw new IllegalStateException("replace the contexts before the server starts");
        RedeployDrainingContexts draining = new RedeployDrainingContexts();
        draining.setRedeployDrainTimeout(redeployDrainTimeoutMs);
        draining.setDynamic(contexts.isDynamic());
        if (server.getHandler() == contexts)
        {
            server.setHandler(draining);
        }
        else
        {
            Handler.Wrapper wrapper = wrapperOf(server.getHandler(), contexts);
            if (wrapper == null)
                throw new IllegalStateException(contexts + " is not in the server's handler chain (" + server.getHandler() +
                    "): nserv-deploy cannot take its place; a module replaced jetty.xml's Contexts");
            wrapper.setHandler(draining);
        }
        for (Handler handler : List.copyOf(contexts.getHandlers()))
        {
            contexts.removeHandler(handler);
            draining.addHandler(handler);
        }
        return draining;
    }

    private static Handler.Wrapper wrapperOf(Handler handler, Handler target)
    {
        for (Handler current = handler; current instanceof Handler.Wrapper wrapper; current = wrapper.getHandler())
        {
            if (wrapper.getHandler() == target)
                return wrapper;
        }
        return null;
    }
}
