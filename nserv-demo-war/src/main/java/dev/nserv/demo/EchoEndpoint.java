package dev.nserv.demo;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.websocket.OnMessage;
import jakarta.websocket.server.ServerEndpoint;

/**
 * WebSocket {@code /echo}: answers each text message with {@code TEXT pid=NNN generation=G}, so a client sees which
 * process holds its connection. Found by the container's annotation scan ({@code @ServerEndpoint}).
 */
@ServerEndpoint("/echo")
public class EchoEndpoint
{
    // An endpoint has no standard way to reach its ServletContext; this webapp's class loader keeps one copy of
    // this field per deployment, set while the context runs.
    private static volatile ServletContext context;

    @OnMessage
    public String echo(String text)
    {
        ServletContext current = context;
        String identity = current != null ? ServerInfo.describe(current) : "pid=" + ServerInfo.pid() + " generation=" + System.getProperty("nserv.generation", "1");
        return text + " " + identity;
    }

    /** Hands the context to {@link EchoEndpoint}; declared in web.xml. */
    public static class ContextBinder implements ServletContextListener
    {
        @Override
        public void contextInitialized(ServletContextEvent event)
        {
            context = event.getServletContext();
        }

        @Override
        public void contextDestroyed(ServletContextEvent event)
        {
            context = null;
        }
    }
}
