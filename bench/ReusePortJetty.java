import java.nio.file.Path;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * SO_REUSEPORT rebind baseline for bench/restart-bench.sh: plain Jetty 12 (same jars as nserv.jar) serving one
 * WAR at "/" on a ServerConnector with {@code setReusePort(true)}, so a new process can bind the same port while
 * the old one still listens; the old one is then stopped with SIGTERM ({@code setStopAtShutdown(true)}: Jetty's
 * stock stop closes its listener, then its connections). Usage: ReusePortJetty PORT WAR
 */
public class ReusePortJetty
{
    public static void main(String[] args) throws Exception
    {
        Server server = new Server(new QueuedThreadPool());
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(Integer.parseInt(args[0]));
        connector.setReusePort(true);
        server.addConnector(connector);
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setWar(Path.of(args[1]).toString());
        contexts.addHandler(webapp);
        server.setHandler(contexts);
        server.setStopAtShutdown(true);
        server.start();
        System.out.println("reuseport: ready pid " + ProcessHandle.current().pid());
        server.join();
    }
}
