package dev.nserv.jetty.session;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Embedded Jetty servers with a {@link CounterServlet} at {@code /app/counter}, and a client that keeps one session
 * cookie across servers (as a browser does behind one address).
 */
final class SessionServers
{
    private SessionServers()
    {
    }

    /**
     * @param beans server beans, e.g. a SessionDataStoreFactory and a SessionCacheFactory
     * @return a started server on a free 127.0.0.1 port
     */
    static Server start(Object... beans) throws Exception
    {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        for (Object bean : beans)
            server.addBean(bean);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/app");
        // as webdefault.xml gives every WAR: sessions expire after 30 idle minutes
        context.getSessionHandler().setMaxInactiveInterval(1800);
        context.addServlet(CounterServlet.class, "/counter");
        server.setHandler(context);
        server.start();
        return server;
    }

    static int port(Server server)
    {
        return ((ServerConnector)server.getConnectors()[0]).getLocalPort();
    }

    /** One user: a session cookie sent to whichever server it asks. */
    static final class Client implements AutoCloseable
    {
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        private String cookie;
        private String sessionId;

        /**
         * @return the session's count after this request; fails the test on any status but 200
         */
        int hit(Server server) throws IOException, InterruptedException
        {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(server) + "/app/counter"))
                .timeout(Duration.ofSeconds(10));
            if (cookie != null)
                request.header("Cookie", cookie);
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("status of %s", response.uri()).isEqualTo(200);
            List<String> setCookies = response.headers().allValues("Set-Cookie");
            for (String setCookie : setCookies)
            {
                if (setCookie.startsWith("JSESSIONID="))
                    cookie = setCookie.substring(0, setCookie.indexOf(';') < 0 ? setCookie.length() : setCookie.indexOf(';'));
            }
            String[] parts = response.body().split(" ");
            sessionId = parts[1];
            return Integer.parseInt(parts[0]);
        }

        String sessionId()
        {
            return sessionId;
        }

        @Override
        public void close()
        {
            // java.net.http.HttpClient is AutoCloseable only from Java 21; its threads end with the test JVM
        }
    }
}
