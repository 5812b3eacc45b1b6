import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

/**
 * Bench server for bench/filter-bench.sh: one embedded Jetty 12 (ee10), one port on 127.0.0.1, the same tiny
 * servlet in three contexts, so every variant runs in the same JVM and the same run:
 * /plain (no filter), /noop (a filter that only calls the chain), /limit (ConcurrencyLimitFilter),
 * /both (DrainFilter + ConcurrencyLimitFilter).
 * Prints "port=N" once started; stops on stdin EOF.
 * Usage: java -cp CLASSPATH bench/FilterBenchServer.java [limit]
 */
public class FilterBenchServer
{
    public static class Hello extends HttpServlet
    {
        private static final long serialVersionUID = 1L;
        private static final byte[] BODY = "hello\n".getBytes(StandardCharsets.US_ASCII);

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            response.setContentType("text/plain");
            response.setContentLength(BODY.length);
            response.getOutputStream().write(BODY);
        }
    }

    /** Does nothing but call the chain: the container's own cost of having a filter at all. */
    public static class NoopFilter implements Filter
    {
        @Override
        public void doFilter(jakarta.servlet.ServletRequest request, jakarta.servlet.ServletResponse response, jakarta.servlet.FilterChain chain)
            throws IOException, jakarta.servlet.ServletException
        {
            chain.doFilter(request, response);
        }
    }

    private static ServletContextHandler context(String path, Map<Class<? extends Filter>, Map<String, String>> filters)
    {
        ServletContextHandler context = new ServletContextHandler(path);
        for (Map.Entry<Class<? extends Filter>, Map<String, String>> f : filters.entrySet())
        {
            FilterHolder holder = new FilterHolder(f.getKey());
            holder.setInitParameters(f.getValue());
            holder.setAsyncSupported(true);
            context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        ServletHolder servlet = new ServletHolder(new Hello());
        servlet.setAsyncSupported(true);
        context.addServlet(servlet, "/hello");
        return context;
    }

    public static void main(String[] args) throws Exception
    {
        String limit = args.length > 0 ? args[0] : "1000";
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        contexts.addHandler(context("/plain", Map.of()));
        contexts.addHandler(context("/noop", Map.of(NoopFilter.class, Map.of())));
        contexts.addHandler(context("/limit", Map.of(dev.nserv.filter.ConcurrencyLimitFilter.class,
            Map.of("limit", limit, "limiter-name", "bench-limit"))));
        java.util.LinkedHashMap<Class<? extends Filter>, Map<String, String>> both = new java.util.LinkedHashMap<>();
        both.put(dev.nserv.filter.DrainFilter.class, Map.of("readiness-path", "/app-readyz"));
        both.put(dev.nserv.filter.ConcurrencyLimitFilter.class, Map.of("limit", limit, "limiter-name", "bench-both"));
        contexts.addHandler(context("/both", both));
        server.setHandler(contexts);
        server.start();
        System.out.println("port=" + connector.getLocalPort());
        System.out.flush();
        while (System.in.read() != -1)
        {
            // run until the script closes stdin
        }
        server.stop();
    }
}
