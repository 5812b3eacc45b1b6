package dev.nserv.demo;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * Logs context initialisation and destruction, so an operator sees the webapp's clean-up run during a
 * graceful exit or at the end of a restart.
 */
public class LifecycleLogger implements ServletContextListener
{
    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        event.getServletContext().log("nserv demo: context initialized, " + ServerInfo.describe(event.getServletContext()));
    }

    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
        event.getServletContext().log("nserv demo: context destroyed (clean-up ran), " + ServerInfo.describe(event.getServletContext()));
    }
}
