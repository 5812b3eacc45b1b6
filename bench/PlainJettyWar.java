import java.nio.file.Path;

import org.eclipse.jetty.ee10.webapp.MetaInfConfiguration;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Baseline for bench/startup-memory.sh: plain Jetty 12 (same jars as nserv.jar, each on the class path as in
 * jetty-home's lib/, plain ServerConnector, no nserv component) serving one WAR at "/" with jetty-home's ee10 modules
 * (annotations, JNDI, Jakarta and Jetty WebSocket, JSP, JSTL: found through ServiceLoader as in jetty-home) and
 * jetty-home's default container scan pattern. Usage: PlainJettyWar PORT WAR
 */
public class PlainJettyWar
{
    public static void main(String[] args) throws Exception
    {
        QueuedThreadPool threadPool = new QueuedThreadPool();
        Server server = new Server(threadPool);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(Integer.parseInt(args[0]));
        server.addConnector(connector);
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setWar(Path.of(args[1]).toString());
        // jetty-home's ee10-deploy default (jetty.deploy.containerScanJarPattern): finds the JSTL tag libraries
        webapp.setAttribute(MetaInfConfiguration.CONTAINER_JAR_PATTERN, ".*/jakarta.servlet-api-[^/]*\\.jar$|.*jakarta.servlet.jsp.jstl-.*\\.jar$");
        contexts.addHandler(webapp);
        server.setHandler(contexts);
        server.setStopAtShutdown(true);
        server.start();
        server.join();
    }
}
