package dev.nserv.jetty;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.Graceful;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns what happens to a server's connections during a stop, so that no client loses a request it already sent:
 * <ul>
 * <li>Jetty's shutdown idle timeout is disabled on every connector at start: it also fires on a request that is
 * being handled but quiet (a response streamed with pauses) and cuts it short.</li>
 * <li>{@link #parkAcceptors()} stops accepting without interrupting an acceptor inside {@code accept()}.</li>
 * <li>{@link #closeKeptAliveConnections()}, after a handoff to a successor, makes every later HTTP/1 response carry
 * {@code Connection: close} and waits until the connections open then have closed or gone idle.</li>
 * <li>During Jetty's graceful shutdown it closes connections that have been idle for {@link #getIdleCloseGrace()},
 * but only while no request is in flight anywhere ({@link DrainHandler#getRequestsInFlight()}).</li>
 * </ul>
 * HTTP/2 connections are left to Jetty's own graceful shutdown (GOAWAY, then a close when the last stream ends).
 *
 * <pre>{@code
 * DrainHandler drain = new DrainHandler(contexts);
 * server.setHandler(drain);
 * server.addBean(new ConnectionDrainer(server, drain));
 * }</pre>
 */
@ManagedObject("Closes connections during a stop without cutting a request")
public class ConnectionDrainer extends ContainerLifeCycle implements Graceful
{
    /** The longest wait of {@link #closeKeptAliveConnections()} when the idle close grace is shorter, in ms. */
    public static final long KEEP_ALIVE_CLOSE_WAIT_MS = 3000;
    private static final long IDLE_CHECK_MS = 100;
    private static final long KEEP_ALIVE_POLL_MS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionDrainer.class);

    private final Server server;
    private final DrainHandler drainHandler;
    private final HttpConfiguration.Customizer connectionClose = (request, responseHeaders) ->
    {
        HttpVersion version = request.getConnectionMetaData().getHttpVersion();
        if (version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0)
            responseHeaders.put(HttpHeader.CONNECTION, "close");
        return request;
    };
    private volatile boolean shutdown;
    private volatile long idleCloseGraceMs = 1000;

    /**
     * @param server the server whose connectors this drains
     * @param drainHandler tells whether requests are in flight; idle connections are closed only when none is
     */
    public ConnectionDrainer(@Name("server") Server server, @Name("drainHandler") DrainHandler drainHandler)
    {
        if (server == null || drainHandler == null)
            throw new IllegalArgumentException("ConnectionDrainer needs a server and a DrainHandler, was " + server + ", " + drainHandler);
        this.server = server;
        this.drainHandler = drainHandler;
    }

    /**
     * @return how long, in ms, a connection must have been idle before the drain closes it
     */
    @ManagedAttribute("Idle time, in ms, after which the drain closes a connection once no request is in flight")
    public long getIdleCloseGrace()
    {
        return idleCloseGraceMs;
    }

    /**
     * Sets how long a connection must have been idle before the drain closes it. Closing a kept-alive connection
     * races with a client that sends on it at that instant; a client that has been silent this long is unlikely
     * to be mid-send. Connections are only closed this way once no request is in flight anywhere.
     * @param ms milliseconds, 0 or more (default 1000)
     */
    public void setIdleCloseGrace(long ms)
    {
        if (ms < 0)
            throw new IllegalArgumentException("idleCloseGrace must be 0 or more ms, was " + ms);
        idleCloseGraceMs = ms;
    }

    @Override
    protected void doStart() throws Exception
    {
        // Reset on start, not on stop, so that isShutdown() stays true while stopped.
        shutdown = false;
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof AbstractConnector abstractConnector)
                abstractConnector.setShutdownIdleTimeout(-1);
        }
        // A server started again answers without the Connection: close of its previous handoff.
        for (HttpConfiguration configuration : httpConfigurations())
            configuration.removeCustomizer(connectionClose);
        super.doStart();
    }

    /**
     * Stops every connector from accepting; the listeners stay open until the graceful stop closes them. Jetty's
     * stop interrupts acceptor threads, and an {@code accept()} interrupted just as the kernel completed it loses
     * that connection ({@code ClosedByInterruptException}), which then hangs unanswered until the process exits.
     * An acceptor blocked in {@code accept()} parks after the connection it gets next, which it serves normally.
     */
    public void parkAcceptors()
    {
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof AbstractConnector abstractConnector)
                abstractConnector.setAccepting(false);
        }
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof ThrottledServerConnector throttled)
                flushAcceptors(throttled);
        }
    }

    /**
     * An acceptor already blocked in accept() when its connector is parked still takes the next connection -- on a
     * quiet server, the first client after a restart commits, which this generation would accept just as it stops
     * and then close unanswered (measured: "connection closed before a response"). Wakes each such acceptor with a
     * connection of our own, closed at once, until none is left in accept(). A wake-up connection that the successor
     * accepts instead ends at once without a request; the next one is tried. Bounded: 50 attempts, 2 s.
     */
    private static void flushAcceptors(ThrottledServerConnector connector)
    {
        if (connector.getLocalPort() <= 0 || !connector.isOpen())
            return;
        String host = connector.getHost();
        InetAddress address;
        try
        {
            InetAddress bound = host == null ? null : InetAddress.getByName(host);
            address = bound == null || bound.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : bound;
        }
        catch (IOException x)
        {
            LOG.debug("cannot resolve {} to wake the acceptors of {}", host, connector, x);
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (int attempt = 0; attempt < 50 && connector.acceptorsInAccept() > 0 && System.nanoTime() - deadline < 0; attempt++)
        {
            int before = connector.acceptorsInAccept();
            try (Socket wakeUp = new Socket())
            {
                wakeUp.connect(new InetSocketAddress(address, connector.getLocalPort()), 1000);
            }
            catch (IOException x)
            {
                LOG.debug("cannot wake the acceptors of {}", connector, x);
                return;
            }
            // give the acceptor the moment it needs to return from accept(); bounded by the loop
            long waitUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            while (connector.acceptorsInAccept() >= before && System.nanoTime() - waitUntil < 0)
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        if (connector.acceptorsInAccept() > 0)
            LOG.warn("{} acceptor(s) of '{}' still in accept() after parking; a connection they take now is closed at the stop", connector.acceptorsInAccept(), connector.getName());
    }

    /**
     * Lets kept-alive HTTP/1 connections end cleanly before a stop, once a successor accepts on the same listeners.
     * Once a connector shuts down, Jetty closes a kept-alive connection after a response committed before the
     * shutdown without {@code Connection: close} (it can no longer add it), and a client that sent its next request
     * at that moment sees the connection closed unanswered. So from this call on, every HTTP/1 response carries
     * {@code Connection: close}; the acceptors are parked; and the call waits until each connection open now has
     * closed or has been idle for the idle close grace, at most the longer of {@value #KEEP_ALIVE_CLOSE_WAIT_MS} ms
     * and that grace.
     * @return how many of the connections open at the start were still open and busy at the end
     */
    public int closeKeptAliveConnections()
    {
        for (HttpConfiguration configuration : httpConfigurations())
        {
            if (!configuration.getCustomizers().contains(connectionClose))
                configuration.addCustomizer(connectionClose);
        }
        parkAcceptors();
        long idle = idleCloseGraceMs;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(getKeepAliveCloseWait());
        try
        {
            while (true)
            {
                // read afresh each time: a connection taken by an acceptor just before it parked gets its EndPoint
                // from the selector a moment later, and must be served like the others
                Set<EndPoint> open = Collections.newSetFromMap(new IdentityHashMap<>());
                for (Connector connector : server.getConnectors())
                    open.addAll(connector.getConnectedEndPoints());
                open.removeIf(endPoint -> !endPoint.isOpen() || idleFor(endPoint) >= idle);
                if ((open.isEmpty() && !endPointsPending()) || System.nanoTime() - deadline >= 0)
                    return open.size();
                Thread.sleep(KEEP_ALIVE_POLL_MS);
            }
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            int busy = 0;
            for (Connector connector : server.getConnectors())
                busy += connector.getConnectedEndPoints().size();
            return busy;
        }
    }

    /** @return whether a throttled connector has admitted a connection whose EndPoint the selector has not made yet */
    private boolean endPointsPending()
    {
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof ThrottledServerConnector throttled && throttled.getActiveConnections() > throttled.getConnectedEndPoints().size())
                return true;
        }
        return false;
    }

    /**
     * @return the longest wait of {@link #closeKeptAliveConnections()}, in ms
     */
    public long getKeepAliveCloseWait()
    {
        return Math.max(KEEP_ALIVE_CLOSE_WAIT_MS, idleCloseGraceMs);
    }

    @Override
    public boolean isShutdown()
    {
        return shutdown;
    }

    /**
     * Starts closing idle connections (see the class comment). The connectors' own graceful shutdown waits for
     * their connections to close, so there is nothing more to wait for here.
     */
    @Override
    public CompletableFuture<Void> shutdown()
    {
        shutdown = true;
        closeIdleConnections();
        return CompletableFuture.completedFuture(null);
    }

    /**
     * While draining, closes the connections that have been idle for the grace period, when no request is in
     * flight; checks again every 100 ms until the connectors have no connection left or the server stops.
     */
    private void closeIdleConnections()
    {
        // The server is STOPPING (not running) for the whole drain; stop checking once it has stopped.
        if (server.isStopped() || !shutdown)
            return;
        boolean remaining = false;
        for (Connector connector : server.getConnectors())
        {
            for (EndPoint endPoint : connector.getConnectedEndPoints())
            {
                remaining = true;
                // Only when nothing is in flight: an idle-looking connection may carry a quiet request.
                if (drainHandler.getRequestsInFlight() == 0 && idleFor(endPoint) >= idleCloseGraceMs)
                {
                    // HTTP/2: Jetty's graceful shutdown has sent GOAWAY and closes the connection when the client
                    // does; a client that keeps it open anyway (measured: Java 25's HttpClient over h2c) held the
                    // stop until the idle timeout (27 s). With no stream left and nothing read or written for the
                    // grace, closing loses nothing: no response is unsent and no client frame is unread.
                    HTTP2Session http2 = http2Session(endPoint.getConnection());
                    if (http2 == null || http2.getStreamCount() == 0)
                        endPoint.close();
                }
            }
        }
        if (remaining)
        {
            try
            {
                server.getScheduler().schedule(this::closeIdleConnections, IDLE_CHECK_MS, TimeUnit.MILLISECONDS);
            }
            catch (RejectedExecutionException stopped)
            {
                // the scheduler stopped with the server: the connectors have closed everything
            }
        }
    }

    private Set<HttpConfiguration> httpConfigurations()
    {
        Set<HttpConfiguration> configurations = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Connector connector : server.getConnectors())
        {
            for (ConnectionFactory factory : connector.getConnectionFactories())
            {
                if (factory instanceof HttpConfiguration.ConnectionFactory http)
                    configurations.add(http.getHttpConfiguration());
            }
        }
        return configurations;
    }

    private static HTTP2Session http2Session(Connection connection)
    {
        if (connection instanceof SslConnection ssl)
            connection = ssl.getSslEndPoint().getConnection();
        return connection instanceof HTTP2Connection http2 ? http2.getSession() : null;
    }

    /**
     * @return how long the endpoint has been idle, in ms. Every Jetty endpoint tracks it; one that does not counts
     * as idle for ever ({@code Long.MAX_VALUE}): nothing tells that a request is on it, and the drain must end.
     */
    static long idleFor(EndPoint endPoint)
    {
        return endPoint instanceof IdleTimeout timeout ? timeout.getIdleFor() : Long.MAX_VALUE;
    }
}
