package dev.nserv.jetty;

import java.util.EventListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.jetty.deploy.Deployer;
import org.eclipse.jetty.deploy.StandardDeployer;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.annotation.Name;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StandardDeployer} whose undeployment (a WAR deleted from the webapps directory) lets the context's requests
 * finish. Jetty's deployer stops the context first and removes it after, so a request running in it fails; this one
 * removes the context first (new requests get 404, as for any path without a webapp), waits until the requests that
 * were in it have ended (at most the contexts' redeploy drain timeout), and only then stops it. Deploy and redeploy
 * are Jetty's; a redeploy drains through {@link RedeployDrainingContexts#replaceHandler}.
 *
 * <pre>{@code
 * RedeployDrainingContexts contexts = new RedeployDrainingContexts();
 * new DeploymentScanner(server, new DrainingDeployer(contexts));
 * }</pre>
 */
public class DrainingDeployer extends StandardDeployer
{
    private static final Logger LOG = LoggerFactory.getLogger(DrainingDeployer.class);

    private final RedeployDrainingContexts contexts;
    // StandardDeployer keeps its listeners private; onRemoved is the one notification this class sends itself
    private final List<Deployer.Listener> listeners = new CopyOnWriteArrayList<>();

    public DrainingDeployer(@Name("contexts") RedeployDrainingContexts contexts)
    {
        super(contexts);
        this.contexts = contexts;
    }

    @Override
    public boolean addEventListener(EventListener listener)
    {
        if (!super.addEventListener(listener))
            return false;
        if (listener instanceof Deployer.Listener deployerListener)
            listeners.add(deployerListener);
        return true;
    }

    @Override
    public boolean removeEventListener(EventListener listener)
    {
        if (!super.removeEventListener(listener))
            return false;
        if (listener instanceof Deployer.Listener deployerListener)
            listeners.remove(deployerListener);
        return true;
    }

    @Override
    public void undeploy(ContextHandler contextHandler)
    {
        if (!contexts.isRunning() || !contextHandler.isStarted() || !contexts.getHandlers().contains(contextHandler))
        {
            super.undeploy(contextHandler);
            return;
        }
        try
        {
            contexts.removeAfterRequests(contextHandler);
            contextHandler.stop();
        }
        catch (RuntimeException x)
        {
            throw x;
        }
        catch (Exception x)
        {
            throw new IllegalStateException("cannot stop " + contextHandler + " after its undeployment", x);
        }
        finally
        {
            for (Deployer.Listener listener : listeners)
            {
                try
                {
                    listener.onRemoved(contextHandler);
                }
                catch (Throwable x)
                {
                    LOG.warn("deployer listener {} failed on the removal of {}", listener, contextHandler, x);
                }
            }
        }
    }
}
