package dev.nserv.jetty.handoff;

import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;

/**
 * Lets the old generation stop accepting and its kept-alive HTTP/1 connections end cleanly before its graceful stop.
 * <p>
 * Once the connector shuts down, Jetty closes a kept-alive connection after a response that was committed
 * before the shutdown, without {@code Connection: close} (it can no longer add the header) -- and a client that
 * sent its next request at that moment sees the connection closed without an answer (measured here: about one
 * keep-alive request in 100,000 across restarts). So, right after the successor is committed, every response of
 * the old generation carries {@code Connection: close} (an {@link HttpConfiguration.Customizer} added at run time),
 * and the graceful stop waits until each connection that was open at that moment has closed or gone idle (the
 * drain closes idle connections itself), at most {@code max}. The acceptors are parked first (see below); the
 * listeners stay open until the graceful stop closes them.
 */
final class KeepAliveCloser
{
    private static final long POLL_MS = 10;

    private KeepAliveCloser()
    {
    }

    /**
     * Adds {@code Connection: close} to every later HTTP/1 response and waits for the open connections.
     * @param server the old generation's server
     * @param idle how long a connection must have been quiet to count as idle (the drain's idle close grace)
     * @param max the longest wait
     * @return how many of the connections open at the start were still open and busy at the end
     */
    static int closeKeepAlive(Server server, Duration idle, Duration max)
    {
        Set<HttpConfiguration> configurations = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<EndPoint> open = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Connector connector : server.getConnectors())
        {
            for (ConnectionFactory factory : connector.getConnectionFactories())
            {
                if (factory instanceof HttpConfiguration.ConnectionFactory http)
                    configurations.add(http.getHttpConfiguration());
            }
        }
        HttpConfiguration.Customizer close = (request, responseHeaders) ->
        {
            HttpVersion version = request.getConnectionMetaData().getHttpVersion();
            if (version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0)
                responseHeaders.put(HttpHeader.CONNECTION, "close");
            return request;
        };
        for (HttpConfiguration configuration : configurations)
            configuration.addCustomizer(close);
        // Park the acceptors now, so that none is inside accept() when the graceful stop interrupts them: the JDK
        // throws ClosedByInterruptException even when the kernel had just accepted a connection, and that
        // connection is then lost, unanswered until the process exits. An acceptor blocked in accept() parks after
        // the connection it gets next, which it serves normally; the successor accepts all the others.
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof AbstractConnector abstractConnector)
                abstractConnector.setAccepting(false);
        }
        for (Connector connector : server.getConnectors())
            open.addAll(connector.getConnectedEndPoints());

        long deadline = System.nanoTime() + max.toNanos();
        try
        {
            while (true)
            {
                open.removeIf(endPoint -> !endPoint.isOpen() || idleFor(endPoint) >= idle.toMillis());
                if (open.isEmpty() || System.nanoTime() - deadline >= 0)
                    return open.size();
                Thread.sleep(POLL_MS);
            }
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            return open.size();
        }
    }

    private static long idleFor(EndPoint endPoint)
    {
        return endPoint instanceof IdleTimeout timeout ? timeout.getIdleFor() : TimeUnit.DAYS.toMillis(1);
    }
}
