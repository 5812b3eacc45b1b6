package dev.nserv.jetty;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.Graceful;

/**
 * Counts the requests in flight and takes part in Jetty's graceful shutdown without ever refusing a request: the
 * future returned by {@link #shutdown()} completes when the last request in flight has ended, and Jetty's
 * {@code Server.doStop()} waits for it up to {@code Server.getStopTimeout()}.
 *
 * <p>Shaped like Jetty's {@code GracefulHandler}, with one difference: that handler answers 503 to a request that
 * arrives on a kept-alive connection once a stop began, and a restart that must not fail a request cannot afford
 * it. Here every request is served during the drain; the connectors, shut down in the same graceful phase, add
 * {@code Connection: close} to HTTP/1.1 responses and send GOAWAY on HTTP/2.</p>
 *
 * <p>When the drain is announced, the attribute {@value #DRAINING_ATTRIBUTE} is set to {@code Boolean.TRUE} on
 * every context, so that webapps (and nserv's servlet filter) can react without a compile-time dependency.</p>
 *
 * <pre>{@code
 * DrainHandler drain = new DrainHandler(contexts);
 * server.setHandler(drain);
 * server.setStopTimeout(30_000); // the drain timeout
 * }</pre>
 */
@ManagedObject("Request drain for graceful exit and restart: counts requests in flight, never refuses one")
public class DrainHandler extends Handler.Wrapper implements Graceful
{
    /** Context attribute set to {@code Boolean.TRUE} on every context when the drain is announced. */
    public static final String DRAINING_ATTRIBUTE = "dev.nserv.draining";

    private final AtomicLong inFlight = new AtomicLong();
    // a LongAdder: a statistic, so no shared cache line on the request path
    private final LongAdder handled = new LongAdder();
    private final Shutdown shutdown = new Shutdown(this)
    {
        @Override
        public boolean isShutdownDone()
        {
            return inFlight.get() == 0;
        }
    };

    /** Creates a drain handler without a child; set one with {@link #setHandler(Handler)}. */
    public DrainHandler()
    {
        this(null);
    }

    /**
     * Creates a drain handler in front of {@code handler}.
     * @param handler the handler that serves the applications
     */
    public DrainHandler(Handler handler)
    {
        super(handler);
    }

    /**
     * @return the number of requests being handled now
     */
    @ManagedAttribute(value = "Requests in flight", readonly = true)
    public long getRequestsInFlight()
    {
        return inFlight.get();
    }

    /**
     * @return the number of requests handled since start (probes excluded)
     */
    @ManagedAttribute(value = "Requests handled since start, probes excluded", readonly = true)
    public long getRequestsHandled()
    {
        return handled.sum();
    }

    /**
     * @return whether the drain has started
     */
    @ManagedAttribute(value = "Whether the drain has started", readonly = true)
    public boolean isDraining()
    {
        return shutdown.isShutdown();
    }

    @Override
    public boolean isShutdown()
    {
        return shutdown.isShutdown();
    }

    /**
     * Tells every webapp that a drain is coming, by setting the context attribute {@value #DRAINING_ATTRIBUTE};
     * nserv calls it when a stop begins, before the pre-drain delay, so that webapp readiness probes (e.g. nserv's
     * servlet filter) turn 503 together with the server's.
     */
    public void announceDrain()
    {
        Server server = getServer();
        if (server != null)
        {
            for (ContextHandler context : server.getDescendants(ContextHandler.class))
                context.setAttribute(DRAINING_ATTRIBUTE, Boolean.TRUE);
        }
    }

    /**
     * Starts the drain: requests are still served; the returned future completes when none is in flight.
     * Called by Jetty's {@code Server.doStop()} through {@link Graceful#shutdown(org.eclipse.jetty.util.component.Container)}.
     */
    @Override
    public CompletableFuture<Void> shutdown()
    {
        announceDrain();
        return shutdown.shutdown();
    }

    @Override
    protected void doStart() throws Exception
    {
        // A stopped server may be started again: reset the drain then, not in doStop, so
        // isDraining() stays true while stopped.
        shutdown.cancel();
        super.doStart();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        Handler next = getHandler();
        if (next == null)
            return false;

        // Count before handing over, so that a drain starting now waits for this request.
        inFlight.incrementAndGet();
        handled.increment();
        return new Completion(callback).handOn(completion -> next.handle(request, response, completion));
    }

    /** Decrements the in-flight count exactly once, however the request ends. */
    private final class Completion extends RequestEnd
    {
        Completion(Callback callback)
        {
            super(callback);
        }

        @Override
        protected void onEnd()
        {
            if (inFlight.decrementAndGet() == 0 && shutdown.isShutdown())
                shutdown.check();
        }
    }
}
