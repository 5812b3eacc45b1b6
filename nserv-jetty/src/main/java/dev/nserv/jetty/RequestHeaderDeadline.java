package dev.nserv.jetty;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NegotiatingServerConnection;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes connections that take too long to send a request header, so that slow clients (slowloris) cannot hold the
 * connection limit. Jetty's idle timeout cannot do this: every byte resets it, so a client sending one header byte
 * every few seconds holds its connection for ever.
 * <p>
 * A connection is <em>waiting for a header</em> while its HTTP/1 parser is inside a request line or header block
 * (timed from the request's first byte), and while it has not delivered its first request at all (timed from the
 * accept, which also covers a TLS handshake or protocol negotiation that never ends). Such a connection is closed
 * once it has waited {@link #setTimeout(long) timeout} ms -- like Go's {@code ReadHeaderTimeout}. When a
 * {@link ThrottledServerConnector} is at its limit, the much shorter {@link #setTimeoutAtLimit(long) timeoutAtLimit}
 * applies instead: the slow are closed first, as they pass it, so that the slot goes to the next client in the
 * backlog. Under SHED a new client closes the one that has waited longest past it and takes its slot, or waits up
 * to that deadline for one to pass it, before it is shed. A connection
 * that completed a request and is idle between requests, or whose request is being handled, is never touched here
 * (the idle timeout owns it); nor are HTTP/2 connections (HTTP/2 multiplexes; a stream's header has its own limits).
 *
 * <pre>{@code
 * server.addBean(new RequestHeaderDeadline(server));   // 10 s, 1 s at the connection limit
 * }</pre>
 * jetty.xml: {@code <Call name="addBean"><Arg><New class="dev.nserv.jetty.RequestHeaderDeadline"><Arg><Ref refid="Server"/></Arg></New></Arg></Call>}
 */
@ManagedObject("Closes connections that take too long to send a request header (slowloris)")
public class RequestHeaderDeadline extends ContainerLifeCycle
{
    /** Default {@link #setTimeout(long)}, ms. */
    public static final long DEFAULT_TIMEOUT_MS = 10_000;
    /** Default {@link #setTimeoutAtLimit(long)}, ms. */
    public static final long DEFAULT_TIMEOUT_AT_LIMIT_MS = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(RequestHeaderDeadline.class);

    private final Server server;
    private final LongAdder closed = new LongAdder();
    private final LongAdder closedAtLimit = new LongAdder();
    private volatile long timeoutMs = DEFAULT_TIMEOUT_MS;
    private volatile long timeoutAtLimitMs = DEFAULT_TIMEOUT_AT_LIMIT_MS;
    private volatile Scheduler.Task task;

    /**
     * Watches every connector of the server.
     * @param server the server
     */
    public RequestHeaderDeadline(@Name("server") Server server)
    {
        this.server = server;
    }

    /**
     * @return the header deadline in ms
     */
    @ManagedAttribute("Longest time, in ms, a connection may take to send a request header (from its first byte, or from the accept for the first request)")
    public long getTimeout()
    {
        return timeoutMs;
    }

    /**
     * Sets the longest time a client may take to send a request's line and headers: from the request's first byte,
     * and for a connection's first request from the accept.
     * @param ms milliseconds, at least 100 (default 10000)
     */
    public void setTimeout(long ms)
    {
        if (ms < 100)
            throw new IllegalArgumentException("request header timeout must be at least 100 ms, was " + ms + " ms");
        timeoutMs = ms;
    }

    /**
     * @return the header deadline in ms while a throttled connector is at its limit
     */
    @ManagedAttribute("Header deadline, in ms, while a throttled connector is at its connection limit")
    public long getTimeoutAtLimit()
    {
        return timeoutAtLimitMs;
    }

    /**
     * Sets the header deadline that applies while a {@link ThrottledServerConnector} has no free slot: shorter, so
     * that clients that send nothing useful give their slot to the next one.
     * @param ms milliseconds, at least 100 and at most {@link #getTimeout()} (default 1000)
     */
    public void setTimeoutAtLimit(long ms)
    {
        if (ms < 100)
            throw new IllegalArgumentException("request header timeout at the limit must be at least 100 ms, was " + ms + " ms");
        timeoutAtLimitMs = ms;
    }

    /**
     * @return connections closed for a late header, all told
     */
    @ManagedAttribute(value = "Connections closed because their request header was late", readonly = true)
    public long getClosedConnections()
    {
        return closed.sum();
    }

    /**
     * @return of {@link #getClosedConnections()}, those closed under the shorter deadline at the limit
     */
    @ManagedAttribute(value = "Of those, connections closed under the shorter deadline at the connection limit", readonly = true)
    public long getClosedAtLimit()
    {
        return closedAtLimit.sum();
    }

    @Override
    protected void doStart() throws Exception
    {
        if (timeoutAtLimitMs > timeoutMs)
            throw new IllegalStateException("request header timeout at the limit (" + timeoutAtLimitMs + " ms) must not exceed the timeout (" + timeoutMs + " ms)");
        super.doStart();
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof ThrottledServerConnector throttled)
                throttled.setSlowClientCloser(new ThrottledServerConnector.SlowClientCloser()
                {
                    @Override
                    public boolean closeSlowest(ThrottledServerConnector connector)
                    {
                        return RequestHeaderDeadline.this.closeSlowest(connector);
                    }

                    @Override
                    public long waitAtLimitMillis()
                    {
                        // a client held for this long sees the slowest pass the deadline and the sweep free its slot
                        return timeoutAtLimitMs + sweepPeriodMs();
                    }
                });
        }
        schedule();
    }

    @Override
    protected void doStop() throws Exception
    {
        Scheduler.Task current = task;
        task = null;
        if (current != null)
            current.cancel();
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof ThrottledServerConnector throttled)
                throttled.setSlowClientCloser(null);
        }
        super.doStop();
    }

    /**
     * Closes the connection of the connector that has waited longest for its request header, if it has waited at
     * least {@link #getTimeoutAtLimit()}: under SHED, a newcomer then gets its slot instead of a 503.
     * @param connector a connector at its limit
     * @return true if one was closed
     */
    boolean closeSlowest(ThrottledServerConnector connector)
    {
        long nowNanos = NanoTime.now();
        long nowMillis = System.currentTimeMillis();
        EndPoint slowest = null;
        long longest = timeoutAtLimitMs - 1;
        for (EndPoint endPoint : connector.getConnectedEndPoints())
        {
            long waited = waitingForHeaderMs(endPoint, nowNanos, nowMillis);
            if (waited > longest)
            {
                longest = waited;
                slowest = endPoint;
            }
        }
        if (slowest == null)
            return false;
        LOG.debug("closing {} for a new client: no complete request header within {} ms at the connection limit", slowest, longest);
        closed.increment();
        closedAtLimit.increment();
        slowest.close();
        return true;
    }

    private void schedule()
    {
        // four sweeps per shortest deadline: a slow client is closed within 25 % past its deadline
        task = server.getScheduler().schedule(this::sweepAndReschedule, sweepPeriodMs(), TimeUnit.MILLISECONDS);
    }

    private long sweepPeriodMs()
    {
        return Math.max(50, Math.min(1000, timeoutAtLimitMs / 4));
    }

    private void sweepAndReschedule()
    {
        if (!isRunning())
            return;
        try
        {
            sweep();
        }
        catch (RuntimeException x)
        {
            LOG.warn("request header deadline sweep failed", x);
        }
        if (isRunning())
            schedule();
    }

    /**
     * Closes the connections whose header is past its deadline now.
     * @return how many were closed
     */
    int sweep()
    {
        long nowNanos = NanoTime.now();
        long nowMillis = System.currentTimeMillis();
        int count = 0;
        for (Connector connector : server.getConnectors())
        {
            if (!(connector instanceof AbstractConnector abstractConnector))
                continue;
            // The short deadline frees slots for the clients queued in the backlog (WAIT) or held by the acceptor for
            // a moment before they would be shed (SHED).
            boolean atLimit = connector instanceof ThrottledServerConnector throttled && throttled.getActiveConnections() >= throttled.getMaxConnections();
            long deadline = atLimit ? timeoutAtLimitMs : timeoutMs;
            List<EndPoint> late = new ArrayList<>();
            for (EndPoint endPoint : abstractConnector.getConnectedEndPoints())
            {
                long waited = waitingForHeaderMs(endPoint, nowNanos, nowMillis);
                if (waited >= deadline)
                    late.add(endPoint);
            }
            for (EndPoint endPoint : late)
            {
                LOG.debug("closing {}: no complete request header within {} ms{}", endPoint, deadline, atLimit ? " (at the connection limit)" : "");
                // counted first, so that whoever sees the close also sees it counted
                closed.increment();
                if (atLimit)
                    closedAtLimit.increment();
                endPoint.close();
            }
            count += late.size();
            if (!late.isEmpty())
                LOG.info("closed {} connection(s) of '{}' that sent no complete request header within {} ms{}", late.size(), connector.getName(), deadline,
                    atLimit ? " (connection limit reached)" : "");
        }
        return count;
    }

    /**
     * @return how long the connection has been waiting for a request header, in ms, or -1 when it is not waiting
     */
    static long waitingForHeaderMs(EndPoint endPoint, long nowNanos, long nowMillis)
    {
        Connection connection = endPoint.getConnection();
        // TLS: the HTTP connection sits on the decrypted side; until the handshake ends it has seen nothing
        while (connection instanceof SslConnection ssl)
            connection = ssl.getSslEndPoint().getConnection();
        long sinceAccept = Math.max(0, nowMillis - endPoint.getCreatedTimeStamp());
        if (connection instanceof HttpConnection http)
        {
            // read from another thread without a lock: a stale value costs one sweep, never a wrong close of a
            // request being handled, because a parser past its header never goes back to a header state
            // without first completing a request (messagesIn > 0)
            var parser = http.getParser();
            if (parser.isStart())
                return http.getMessagesIn() == 0 ? sinceAccept : -1;
            if (!parser.inHeaderState())
                return -1;
            long begin = parser.getBeginNanoTime();
            if (begin == 0)
                return http.getMessagesIn() == 0 ? sinceAccept : -1;
            return NanoTime.millisElapsed(begin, nowNanos);
        }
        if (connection instanceof NegotiatingServerConnection)
            return sinceAccept;
        return -1;
    }
}
