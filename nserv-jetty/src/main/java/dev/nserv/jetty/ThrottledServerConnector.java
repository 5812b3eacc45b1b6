package dev.nserv.jetty;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <p>A {@link ServerConnector} that never has more than {@code maxConnections} accepted connections open.</p>
 * <p>(Its length is deliberate: it repeats {@code ServerConnector}'s constructors so that jetty.xml can build it
 * with any of their argument sets, and it keeps the whole accept path -- permit, accept, admit, every release -- in
 * one file, because "released exactly once" can only be checked where all the paths are seen together. Keep-alive
 * probes and shedding live in their own classes.)</p>
 * <p>Each acceptor thread takes a permit before calling {@code accept()}; the permit comes back exactly once
 * when the accepted connection ends, whatever ends it: a normal close, the idle timeout, a reset by the client,
 * an error, a failed TLS handshake or a failure to register the socket with a selector. While no permit is free,
 * clients wait in the kernel's accept backlog (size it with {@link #setAcceptQueueSize(int)}), as with the
 * original nserv throttled listener; the {@link OverloadPolicy#SHED SHED} policy answers them
 * {@code 503 Service Unavailable} at once instead (on a TLS, PROXY or HTTP/2-only connector, where no clear-text
 * HTTP/1.1 can be written before the first protocol runs, it just closes them).</p>
 * <p>{@code maxConnections} can be changed at any time, from Java, jetty.xml or JMX. Raising it lets waiting
 * acceptors go at once. Lowering it closes nothing: no new connection is accepted until enough open ones have
 * ended to bring the count under the new limit. An acceptor that already held a permit, blocked in
 * {@code accept()}, when the limit was lowered re-checks its permit once the client arrives, and keeps that
 * client waiting (exactly as if it were still in the backlog) until there is room under the new limit.</p>
 * <p>Dead peers must not hold a permit forever: Jetty's idle timeout (30 s by default, kept rather than the
 * original's 60 s because an idle connection holds a scarce permit and Jetty users expect Jetty's default; see
 * {@link #setIdleTimeout(long)}) closes silent connections, and a {@link TcpKeepAlive} bean (the bundled launcher
 * adds one to every connector) detects a peer that vanished without a FIN or RST even when the idle timeout is
 * disabled. Shed clients are answered by an {@link OverloadShedder}.</p>
 * <p>This connector needs acceptor threads: {@code acceptors} may be left at -1 (one acceptor) or set to a
 * positive count, but not to 0.</p>
 * <p>Usage from Java:</p>
 * <pre>{@code
 * ThrottledServerConnector connector = new ThrottledServerConnector(server);
 * connector.setPort(8080);
 * connector.setMaxConnections(500);
 * connector.setAcceptQueueSize(1024);
 * connector.addBean(new TcpKeepAlive());
 * server.addConnector(connector);
 * }</pre>
 * <p>and from jetty.xml:</p>
 * <pre>{@code
 * <Call name="addConnector"><Arg>
 *   <New class="dev.nserv.jetty.ThrottledServerConnector">
 *     <Arg name="server"><Ref refid="Server"/></Arg>
 *     <Set name="port">8080</Set>
 *     <Set name="maxConnections">500</Set>
 *     <Set name="overloadPolicy">shed</Set>
 *     <Call name="addBean"><Arg><New class="dev.nserv.jetty.TcpKeepAlive"/></Arg></Call>
 *   </New>
 * </Arg></Call>
 * }</pre>
 */
@ManagedObject("A ServerConnector that limits the number of open connections")
public class ThrottledServerConnector extends ServerConnector
{
    /** The default limit on open connections, as in the original nserv. */
    public static final int DEFAULT_MAX_CONNECTIONS = ResizableSemaphore.DEFAULT_LIMIT;
    /** The default {@code Retry-After} of a shed connection's 503 response, in seconds. */
    public static final int DEFAULT_RETRY_AFTER_SECONDS = OverloadShedder.DEFAULT_RETRY_AFTER_SECONDS;

    private static final Logger LOG = LoggerFactory.getLogger(ThrottledServerConnector.class);
    private static final long SLOW_CLIENT_ROOM_WAIT_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500);

    private final ResizableSemaphore permits = new ResizableSemaphore(DEFAULT_MAX_CONNECTIONS);
    private final OverloadShedder shedder = new OverloadShedder();
    // Accepted channels that still hold a permit. Whoever removes a channel from this set gives its permit back:
    // the remove() that returns true is the one and only release, whichever of the close paths gets there first.
    private final Set<SocketChannel> admitted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    // Acceptor threads that are inside (or about to enter) accept(): a parked connector is only quiet at 0.
    private final AtomicInteger inAccept = new AtomicInteger();
    private volatile OverloadPolicy overloadPolicy = OverloadPolicy.WAIT;
    private volatile SlowClientCloser slowClientCloser;

    /**
     * Closes one connection that is slow to send its request, to make room for a new client that SHED would
     * otherwise turn away; {@link RequestHeaderDeadline} is one.
     */
    @FunctionalInterface
    public interface SlowClientCloser
    {
        /**
         * @param connector the connector at its limit
         * @return true if a connection of that connector was closed (its permit comes back shortly)
         */
        boolean closeSlowest(ThrottledServerConnector connector);

        /**
         * @return how long a new client over the limit may wait for a slow client's slot before it is shed, in ms
         */
        default long waitAtLimitMillis()
        {
            return 0;
        }
    }

    /**
     * @param server the server
     */
    public ThrottledServerConnector(
        @Name("server") Server server)
    {
        this(server, null, null, null, -1, -1, new HttpConnectionFactory());
    }

    /**
     * @param server the server
     * @param acceptors the number of acceptor threads, -1 for one; 0 is refused
     * @param selectors the number of selectors, -1 for Jetty's default
     */
    public ThrottledServerConnector(
        @Name("server") Server server,
        @Name("acceptors") int acceptors,
        @Name("selectors") int selectors)
    {
        this(server, null, null, null, acceptors, selectors, new HttpConnectionFactory());
    }

    /**
     * @param server the server
     * @param acceptors the number of acceptor threads, -1 for one; 0 is refused
     * @param selectors the number of selectors, -1 for Jetty's default
     * @param factories the connection factories
     */
    public ThrottledServerConnector(
        @Name("server") Server server,
        @Name("acceptors") int acceptors,
        @Name("selectors") int selectors,
        @Name("factories") ConnectionFactory... factories)
    {
        this(server, null, null, null, acceptors, selectors, factories);
    }

    /**
     * @param server the server
     * @param factories the connection factories
     */
    public ThrottledServerConnector(
        @Name("server") Server server,
        @Name("factories") ConnectionFactory... factories)
    {
        this(server, null, null, null, -1, -1, factories);
    }

    /**
     * @param server the server
     * @param sslContextFactory the TLS configuration; HTTP/1.1 runs over it
     */
    public ThrottledServerConnector(
        @Name("server") Server server,
        @Name("sslContextFactory") SslContextFactory.Server sslContextFactory)
    {
        this(server, null, null, null, -1, -1, AbstractConnectionFactory.getFactories(sslContextFactory, new HttpConnectionFactory()));
    }

    /**
     * @param server the server
     * @param acceptors the number of acceptor threads, -1 for one; 0 is refused
     * @param selectors the number of selectors, -1 for Jetty's default
     * @param sslContextFactory the TLS configuration; HTTP/1.1 runs over it
     */
    public ThrottledServerConnector(
        @Name("server") Server server,
        @Name("acceptors") int acceptors,
        @Name("selectors") int selectors,
        @Name("sslContextFactory") SslContextFactory.Server sslContextFactory)
    {
        this(server, null, null, null, acceptors, selectors, AbstractConnectionFactory.getFactories(sslContextFactory, new HttpConnectionFactory()));
    }

    /**
     * @param server the server
     * @param sslContextFactory the TLS configuration
     * @param factories the connection factories that run over TLS
     */
    public ThrottledServerConnector(
        @Name("server") Server server,
        @Name("sslContextFactory") SslContextFactory.Server sslContextFactory,
        @Name("factories") ConnectionFactory... factories)
    {
        this(server, null, null, null, -1, -1, AbstractConnectionFactory.getFactories(sslContextFactory, factories));
    }

    /**
     * @param server the server
     * @param executor the executor, or null for the server's thread pool
     * @param scheduler the scheduler, or null for the server's
     * @param bufferPool the buffer pool, or null for the server's
     * @param acceptors the number of acceptor threads, -1 for one; 0 is refused
     * @param selectors the number of selectors, -1 for Jetty's default
     * @param factories the connection factories
     */
    // getAcceptors() and getSelectorManager() are Jetty's own getters, which no subclass here overrides
    @SuppressWarnings("this-escape")
    public ThrottledServerConnector(
        @Name("server") Server server,
        @Name("executor") Executor executor,
        @Name("scheduler") Scheduler scheduler,
        @Name("bufferPool") ByteBufferPool bufferPool,
        @Name("acceptors") int acceptors,
        @Name("selectors") int selectors,
        @Name("factories") ConnectionFactory... factories)
    {
        super(server, executor, scheduler, bufferPool, acceptors, selectors, factories);
        // With no acceptor thread ServerConnector accepts from a selector, through a private method that
        // cannot take a permit first: the limit would silently not apply.
        if (getAcceptors() < 1)
            throw new IllegalArgumentException("acceptors must be at least 1 (or -1 for the default of 1) on a " +
                "ThrottledServerConnector, but was " + acceptors + ": the limit is enforced by acceptor threads");
        // Registration of an accepted socket can fail before any EndPoint exists; only this listener hears of it.
        getSelectorManager().addEventListener(new PermitReturningAcceptListener());
    }

    /**
     * @return the limit on open connections
     */
    @ManagedAttribute("The maximum number of open connections; writable while running")
    public int getMaxConnections()
    {
        return permits.limit();
    }

    /**
     * Sets the limit on open connections, before or while running. Raising it lets waiting clients in at once;
     * lowering it closes nothing, and no connection is accepted until the open ones are fewer than the new limit.
     *
     * @param maxConnections the maximum number of open connections, at least 1 (default 1000)
     * @throws IllegalArgumentException if {@code maxConnections < 1}
     */
    public void setMaxConnections(int maxConnections)
    {
        int old = permits.limit();
        permits.setLimit(maxConnections);
        if (old != maxConnections)
            LOG.info("maxConnections {} -> {} on {}", old, maxConnections, this);
    }

    /**
     * @return the number of accepted connections open now, each holding a permit
     */
    @ManagedAttribute(value = "The number of accepted connections open now", readonly = true)
    public int getActiveConnections()
    {
        return active.get();
    }

    /**
     * @return the highest number of open connections since the start or the last {@link #resetPeak()}
     */
    @ManagedAttribute(value = "The highest number of open connections since start or resetPeak()", readonly = true)
    public int getPeakConnections()
    {
        return peak.get();
    }

    /**
     * Resets {@link #getPeakConnections()} to the number of connections open now.
     */
    @ManagedOperation(value = "Resets peakConnections to the number of connections open now", impact = "ACTION")
    public void resetPeak()
    {
        peak.set(active.get());
    }

    /**
     * @return the total number of sockets accepted, including shed ones
     */
    @ManagedAttribute(value = "The total number of sockets accepted, shed ones included", readonly = true)
    public long getAcceptedConnections()
    {
        return accepted.sum();
    }

    /**
     * @return the total number of sockets accepted and closed at once under the {@code SHED} policy
     */
    @ManagedAttribute(value = "The total number of sockets shed (503 and close) because the limit was reached", readonly = true)
    public long getShedConnections()
    {
        return shedder.getShedCount();
    }

    /**
     * @return the number of acceptor threads waiting for a connection to end before they accept again
     */
    @ManagedAttribute(value = "The number of acceptor threads waiting for a free connection slot", readonly = true)
    public int getWaitingAcceptors()
    {
        return permits.waiting();
    }

    /**
     * @return what happens to clients over the limit
     */
    public OverloadPolicy getOverloadPolicy()
    {
        return overloadPolicy;
    }

    /**
     * @return the overload policy's name, for JMX
     */
    @ManagedAttribute(value = "WAIT (clients over the limit wait in the accept backlog) or SHED (503 and close)",
        name = "overloadPolicy", setter = "setOverloadPolicy")
    public String getOverloadPolicyName()
    {
        return overloadPolicy.name();
    }

    /**
     * Sets what happens to clients over the limit, before or while running. Switching to {@code SHED} while
     * clients wait in the backlog sheds them at once.
     *
     * @param policy {@link OverloadPolicy#WAIT} (the default) or {@link OverloadPolicy#SHED}
     * @throws IllegalArgumentException if the policy is null
     */
    public void setOverloadPolicy(OverloadPolicy policy)
    {
        if (policy == null)
            throw new IllegalArgumentException("overloadPolicy must not be null: use WAIT or SHED");
        overloadPolicy = policy;
        // Acceptors blocked for a permit re-read the policy and, if now SHED, go and shed.
        permits.wakeAll();
    }

    /**
     * Sets what happens to clients over the limit from its name, as jetty.xml and JMX give it.
     *
     * @param policy {@code "WAIT"} (the default) or {@code "SHED"}, in any case
     * @throws IllegalArgumentException if the name is not a policy
     */
    public void setOverloadPolicy(String policy)
    {
        setOverloadPolicy(OverloadPolicy.parse(policy));
    }

    /**
     * @return the {@code Retry-After} value of a shed connection's 503 response, in seconds
     */
    @ManagedAttribute("Retry-After of the 503 sent to shed connections, in seconds; 0 omits the header")
    public int getRetryAfterSeconds()
    {
        return shedder.getRetryAfterSeconds();
    }

    /**
     * @param seconds the {@code Retry-After} of a shed connection's 503 response, in seconds (default 1);
     * 0 omits the header
     * @throws IllegalArgumentException if negative
     */
    public void setRetryAfterSeconds(int seconds)
    {
        shedder.setRetryAfterSeconds(seconds);
    }

    /**
     * Sets who may close a slow connection so that SHED admits a new client instead of shedding it: under SHED the
     * slow are shed, not the newcomer. {@link RequestHeaderDeadline} sets itself when it starts.
     * @param closer the closer, or null for none (the newcomer is shed)
     */
    public void setSlowClientCloser(SlowClientCloser closer)
    {
        slowClientCloser = closer;
    }

    /**
     * @return the number of permits held: open connections plus acceptors holding one while blocked in accept()
     */
    int heldPermits()
    {
        return permits.held();
    }

    /**
     * @return acceptor threads inside accept() (or about to enter it): after {@link #setAccepting(boolean) parking},
     * each of them still takes one more connection, which {@link ConnectionDrainer} flushes out
     */
    int acceptorsInAccept()
    {
        return inAccept.get();
    }

    /**
     * @return the number of permits reserved by acceptors blocked in accept()
     */
    int reservedPermits()
    {
        return permits.reserved();
    }

    @Override
    protected void doStart() throws Exception
    {
        super.doStart();
        // A 503 written in clear text would be garbage to a TLS, PROXY or HTTP/2 client.
        shedder.setAnswering(getDefaultConnectionFactory() instanceof HttpConnectionFactory);
    }

    @Override
    protected void doStop() throws Exception
    {
        super.doStop();
        // The selectors are stopped: an Accept queued to a selector that stopped before running it is dropped
        // by Jetty without closing its channel or telling anyone. Close what is left and give the permits back.
        for (SocketChannel channel : admitted)
        {
            IO.close(channel);
            release(channel);
        }
    }

    @Override
    public void accept(int acceptorID) throws IOException
    {
        ServerSocketChannel server = (ServerSocketChannel)getTransport();
        if (server == null || !server.isOpen())
            return;
        try
        {
            // Under WAIT the permit is taken before accept(), so that clients over the limit stay in the backlog.
            boolean reserved = overloadPolicy == OverloadPolicy.WAIT && permits.reserve(this::isWaitPolicy);
            SocketChannel channel;
            // Counted before the check: whoever parks this connector and then reads acceptorsInAccept() either sees
            // this thread, or this thread sees the connector parked and does not call accept() at all.
            inAccept.incrementAndGet();
            try
            {
                channel = isAccepting() ? server.accept() : null;
            }
            catch (Throwable x)
            {
                if (reserved && permits.redeem())
                    permits.release();
                throw x;
            }
            finally
            {
                inAccept.decrementAndGet();
            }
            if (channel == null)
            {
                if (reserved && permits.redeem())
                    permits.release();
                return;
            }
            accepted.increment();

            // The reservation is checked again now: the limit may have been lowered meanwhile. If it no longer
            // fits, the client waits in hand for room under the new limit, as it would have in the backlog.
            boolean permitted = reserved && permits.redeem();
            if (!permitted)
                permitted = permitAccepted(channel);
            if (permitted)
                admit(channel);
            else
                shedder.shed(channel);
        }
        catch (InterruptedException x)
        {
            // Only a stop or a graceful shutdown interrupts acceptors; Jetty's acceptor loop then sees it and ends.
            LOG.debug("Interrupted while waiting for a permit on {}", this, x);
        }
    }

    private boolean isWaitPolicy()
    {
        return overloadPolicy == OverloadPolicy.WAIT;
    }

    // Finds a permit for a socket accepted without a valid one: waits under WAIT, tries once under SHED.
    private boolean permitAccepted(SocketChannel channel) throws InterruptedException
    {
        try
        {
            while (true)
            {
                if (overloadPolicy == OverloadPolicy.SHED)
                    return permits.tryAcquire() || roomFromASlowClient();
                if (permits.acquire(this::isWaitPolicy))
                    return true;
            }
        }
        catch (InterruptedException x)
        {
            IO.close(channel);
            throw x;
        }
    }

    // Under SHED at the limit: a slow client's connection is closed and its permit, given back by the selector
    // shortly after, goes to the newcomer. Bounded: if another acceptor takes it first, the newcomer is shed.
    private boolean roomFromASlowClient() throws InterruptedException
    {
        SlowClientCloser closer = slowClientCloser;
        if (closer == null)
            return false;
        if (closer.closeSlowest(this))
            return permits.tryAcquire(SLOW_CLIENT_ROOM_WAIT_NANOS);
        // No one is past the deadline yet: wait until the first is (the closer frees its slot), then shed. Measured
        // with slow clients that reconnect at once when shed: without this wait every slot freed went to one of
        // them and every legitimate client got 503; with it the backlog is served in order, as under WAIT.
        return permits.tryAcquire(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(closer.waitAtLimitMillis()));
    }

    private void admit(SocketChannel channel)
    {
        // Recorded before the selector can see the channel, so that no close path can run before it.
        admitted.add(channel);
        int now = active.incrementAndGet();
        peak.accumulateAndGet(now, Math::max);
        try
        {
            channel.configureBlocking(false);
            configure(channel.socket());
            // From here the selector owns the channel: it ends in onEndPointClosed() or onAcceptFailed().
            getSelectorManager().accept(channel);
        }
        catch (Throwable x)
        {
            LOG.debug("Could not register accepted {} on {}", channel, this, x);
            IO.close(channel);
            release(channel);
        }
    }

    @Override
    protected void onEndPointClosed(EndPoint endPoint)
    {
        // Called once per selector-managed EndPoint, however it closed; a TLS connection's SslConnection and
        // HTTP connection share this one EndPoint, so counting here counts the socket once.
        if (endPoint.getTransport() instanceof SocketChannel channel)
            release(channel);
        super.onEndPointClosed(endPoint);
    }

    private void release(SocketChannel channel)
    {
        if (admitted.remove(channel))
        {
            active.decrementAndGet();
            permits.release();
        }
    }

    // The accepted socket could not be registered with a selector (or the selector was stopping): Jetty closes it
    // and no EndPoint, hence no onEndPointClosed(), ever exists for it.
    private class PermitReturningAcceptListener implements SelectorManager.AcceptListener
    {
        @Override
        public void onAcceptFailed(SelectableChannel channel, Throwable cause)
        {
            if (channel instanceof SocketChannel socketChannel)
                release(socketChannel);
        }
    }
}
