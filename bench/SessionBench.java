import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.nserv.jetty.session.PersistentSessions;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The cost of a request that touches a session (reads and increments a counter attribute): nserv's default file store
 * ({@code --session-store file}) against Jetty's in-memory sessions ({@code --session-store memory}). Two embedded
 * servers in this JVM, one per store; CLIENTS threads, each its own session on a kept-alive connection, load one server
 * at a time in alternating rounds; the report is the median over rounds of requests/s and mean latency.
 * Usage: java -cp CLASSPATH bench/SessionBench.java [rounds=10] [seconds=3] [clients=4] [stateDir=a temp dir]
 */
public class SessionBench
{
    public static class Counter extends HttpServlet
    {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            HttpSession session = request.getSession(true);
            Integer count = (Integer)session.getAttribute("count");
            int next = count == null ? 1 : count + 1;
            session.setAttribute("count", next);
            response.setContentType("text/plain");
            response.getWriter().print(next);
        }
    }

    static Server start(PersistentSessions sessions) throws Exception
    {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.addBean(sessions);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/");
        context.getSessionHandler().setMaxInactiveInterval(1800);
        context.addServlet(Counter.class, "/counter");
        server.setHandler(context);
        server.start();
        return server;
    }

    /** @return {requests per second, mean latency in microseconds} */
    static double[] load(int port, int clients, long millis) throws Exception
    {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try
        {
            List<Future<long[]>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++)
            {
                results.add(pool.submit(() ->
                {
                    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    URI uri = URI.create("http://127.0.0.1:" + port + "/counter");
                    String cookie = null;
                    long count = 0;
                    long nanos = 0;
                    int expected = 0;
                    long end = System.currentTimeMillis() + millis;
                    while (System.currentTimeMillis() < end)
                    {
                        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
                        if (cookie != null)
                            request.header("Cookie", cookie);
                        long start = System.nanoTime();
                        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                        nanos += System.nanoTime() - start;
                        if (response.statusCode() != 200)
                            throw new IOException("status " + response.statusCode());
                        if (cookie == null)
                            cookie = response.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
                        if (Integer.parseInt(response.body()) != ++expected)
                            throw new IOException("session count " + response.body() + ", expected " + expected);
                        count++;
                    }
                    return new long[]{count, nanos};
                }));
            }
            long count = 0;
            long nanos = 0;
            for (Future<long[]> result : results)
            {
                count += result.get()[0];
                nanos += result.get()[1];
            }
            return new double[]{count * 1000.0 / millis, nanos / 1000.0 / count};
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    static double median(List<Double> values)
    {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    public static void main(String[] args) throws Exception
    {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        long millis = (args.length > 1 ? Long.parseLong(args[1]) : 3) * 1000;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        Path state = args.length > 3 ? Path.of(args[3]) : Files.createTempDirectory("nserv-session-bench-");
        Server memory = start(new PersistentSessions(PersistentSessions.MEMORY, ""));
        Server file = start(new PersistentSessions(PersistentSessions.FILE, state.toString()));
        int memoryPort = ((ServerConnector)memory.getConnectors()[0]).getLocalPort();
        int filePort = ((ServerConnector)file.getConnectors()[0]).getLocalPort();
        try
        {
            for (int warm = 0; warm < 2; warm++)
            {
                load(memoryPort, clients, 3000);
                load(filePort, clients, 3000);
            }
            List<Double> memoryRps = new ArrayList<>();
            List<Double> fileRps = new ArrayList<>();
            List<Double> memoryUs = new ArrayList<>();
            List<Double> fileUs = new ArrayList<>();
            List<Double> ratio = new ArrayList<>();
            for (int r = 0; r < rounds; r++)
            {
                double[] m;
                double[] f;
                if (r % 2 == 0)
                {
                    m = load(memoryPort, clients, millis);
                    f = load(filePort, clients, millis);
                }
                else
                {
                    f = load(filePort, clients, millis);
                    m = load(memoryPort, clients, millis);
                }
                memoryRps.add(m[0]);
                fileRps.add(f[0]);
                memoryUs.add(m[1]);
                fileUs.add(f[1]);
                ratio.add(f[1] / m[1]);
                System.out.printf("round %d: memory %.0f req/s %.0f us, file %.0f req/s %.0f us%n", r + 1, m[0], m[1], f[0], f[1]);
            }
            System.out.printf("median: memory %.0f req/s, mean latency %.0f us; file %.0f req/s, mean latency %.0f us; file/memory latency x%.2f (+%.0f us per request)%n",
                median(memoryRps), median(memoryUs), median(fileRps), median(fileUs), median(ratio), median(fileUs) - median(memoryUs));
            System.out.println("state dir: " + state + " (" + Files.getFileStore(state).type() + ")" + " " + Arrays.toString(args));
        }
        finally
        {
            memory.stop();
            file.stop();
        }
    }
}
