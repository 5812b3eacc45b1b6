import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import dev.nserv.jetty.ThrottledServerConnector;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Benchmark server for bench/connector-bench.sh: one Jetty 12 server, one tiny handler (6 bytes), reachable
 * through a plain ServerConnector and/or ThrottledServerConnectors, so that wrk can compare them in one JVM.
 *
 * <pre>
 * java -cp nserv-jetty/target/nserv.jar bench/ConnectorBenchServer.java --mode plain|throttled|both \
 *      [--port 0] [--max 100000] [--at-load 50] [--pair-load 25] [--acceptors 1]
 * </pre>
 * Modes: plain (one ServerConnector), throttled (one ThrottledServerConnector with --max), both (a plain one,
 * a throttled one with --max, a throttled one with --at-load and, if given, one with --pair-load, each on its
 * own port). Prints one line
 * "port.NAME=PORT" per connector, then serves until its standard input closes.
 */
public class ConnectorBenchServer
{
    private static final ByteBuffer HELLO = StandardCharsets.US_ASCII.encode("hello\n").asReadOnlyBuffer();

    public static void main(String[] args) throws Exception
    {
        String mode = "both";
        int port = 0;
        int max = 100_000;
        int atLoad = 50;
        int pairLoad = 0;
        int acceptors = 1;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--mode" -> mode = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--max" -> max = Integer.parseInt(args[++i]);
                case "--at-load" -> atLoad = Integer.parseInt(args[++i]);
                case "--pair-load" -> pairLoad = Integer.parseInt(args[++i]);
                case "--acceptors" -> acceptors = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] +
                    "; usage: --mode plain|throttled|both [--port 0] [--max N] [--at-load N] [--pair-load N] [--acceptors N]");
            }
        }

        Server server = new Server();
        server.setHandler(new Handler.Abstract.NonBlocking()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
            {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, HELLO.remaining());
                response.write(true, HELLO.slice(), callback);
                return true;
            }
        });
        switch (mode)
        {
            case "plain" -> add(server, "plain", new ServerConnector(server, acceptors, -1), port);
            case "throttled" -> add(server, "throttled", throttled(server, acceptors, max), port);
            case "both" ->
            {
                add(server, "plain", new ServerConnector(server, acceptors, -1), 0);
                add(server, "throttled", throttled(server, acceptors, max), 0);
                add(server, "throttled-at-load", throttled(server, acceptors, atLoad), 0);
                if (pairLoad > 0)
                    add(server, "throttled-at-pair-load", throttled(server, acceptors, pairLoad), 0);
            }
            default -> throw new IllegalArgumentException("--mode must be plain, throttled or both, not " + mode);
        }
        server.start();
        for (var connector : server.getConnectors())
            System.out.println("port." + connector.getName() + "=" + ((ServerConnector)connector).getLocalPort());
        System.out.flush();

        // Serve until the script closes our standard input.
        InputStream in = System.in;
        try
        {
            while (in.read() >= 0)
            {
                // ignore input
            }
        }
        catch (IOException ignored)
        {
            // stdin gone: stop
        }
        server.stop();
    }

    private static ThrottledServerConnector throttled(Server server, int acceptors, int max)
    {
        ThrottledServerConnector connector = new ThrottledServerConnector(server, acceptors, -1);
        connector.setMaxConnections(max);
        return connector;
    }

    private static void add(Server server, String name, ServerConnector connector, int port)
    {
        connector.setName(name);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        // The same backlog for every connector: clients over a limit wait there.
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
    }
}
