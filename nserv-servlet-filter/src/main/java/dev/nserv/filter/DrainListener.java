package dev.nserv.filter;

import java.util.logging.Logger;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * Makes {@code contextDestroyed} wait, up to the drain timeout of the webapp's {@link DrainFilter}, for the
 * requests still in flight. Declare it after the application's own listeners: listeners are destroyed in
 * reverse order, so it runs before their clean-up (closing pools the requests still use).
 *
 * <pre>{@code
 * <listener><listener-class>dev.nserv.filter.DrainListener</listener-class></listener>
 * }</pre>
 *
 * <p>Containers destroy filters before they notify context listeners, so {@link DrainFilter#destroy()} already
 * waits; this listener covers requests (asynchronous ones, typically) that outlive the filters, and shares the
 * same deadline.</p>
 */
public class DrainListener implements ServletContextListener
{
    private static final Logger LOG = Logger.getLogger(DrainListener.class.getName());

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        DrainState.of(event.getServletContext());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
        DrainState state = DrainState.of(event.getServletContext());
        if (!state.destroyAndAwaitIdle())
            LOG.warning("nserv drain: " + state.getInFlight() + " request(s) still in flight after the drain timeout of " +
                state.getDrainTimeoutMillis() + " ms; the webapp is destroyed anyway");
    }
}
