package dev.nserv.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Connector;
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
 * The outermost handler of an nserv server: answers the readiness and liveness probes, counts requests in
 * flight, and takes part in Jetty's graceful shutdown without ever refusing a request it can serve.
 *
 * <p>Jetty's own {@code GracefulHandler} answers 503 to requests that arrive on kept-alive connections once a
 * stop began. A restart that must not fail a request cannot afford that, so this handler owns the drain policy
 * instead: during {@link #shutdown()} every request is still served; the connectors (which Jetty shuts down in the
 * same graceful phase) add {@code Connection: close} to HTTP/1.1 responses and send GOAWAY on HTTP/2; the future
 * returned by {@link #shutdown()} completes when the last request in flight has completed. Jetty's
 * {@code Server.doStop()} waits for that future (and for the connectors to close their connections) up to
 * {@code Server.getStopTimeout()}.</p>
 *
 * <p>When the drain starts, the attribute {@value #DRAINING_ATTRIBUTE} is set to {@code Boolean.TRUE} on every
 * context, so that webapps (and nserv's servlet filter) can react without a compile-time dependency.</p>
 *
 * <pre>{@code
 * DrainHandler drain = new DrainHandler(contexts);
 * drain.setReadinessPath("/readyz");
 * server.setHandler(drain);
 * server.setStopTimeout(30_000); // the drain timeout
 * }</pre>
 */
@ManagedObject("Readiness, liveness and request drain for graceful exit and restart")
public class DrainHandler extends Handler.Wrapper implements Graceful
{
    /** Context attribute set to {@code Boolean.TRUE} on every context when the drain starts. */
    public static final String DRAINING_ATTRIBUTE = "dev.nserv.draining";

    private static final byte[] READY = "ready\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOT_READY = "not ready\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ALIVE = "alive\n".getBytes(StandardCharsets.US_ASCII);

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
    private volatile boolean ready;
    private volatile long idleCloseGraceMs = 1000;
    private volatile String readinessPath = "/readyz";
    private volatile String livenessPath = "/livez";

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
     * @return the path that answers 200 when ready and 503 otherwise, or {@code null} when disabled
     */
    @ManagedAttribute("Path of the readiness probe (200 when ready, 503 when not)")
    public String getReadinessPath()
    {
        return readinessPath;
    }

    /**
     * Sets the readiness probe's path, matched exactly against the request path before any context.
     * @param path an absolute path such as {@code /readyz}, or {@code null} or empty to disable the probe
     */
    public void setReadinessPath(String path)
    {
        readinessPath = checkPath("readinessPath", path);
    }

    /**
     * @return the path that always answers 200 while the process serves, or {@code null} when disabled
     */
    @ManagedAttribute("Path of the liveness probe (200 while the process serves)")
    public String getLivenessPath()
    {
        return livenessPath;
    }

    /**
     * Sets the liveness probe's path; it answers 200 even while draining.
     * @param path an absolute path such as {@code /livez}, or {@code null} or empty to disable the probe
     */
    public void setLivenessPath(String path)
    {
        livenessPath = checkPath("livenessPath", path);
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

    private static String checkPath(String name, String path)
    {
        if (path == null || path.isEmpty())
            return null;
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == '?' || c == '#'))
            throw new IllegalArgumentException(name + " must be an absolute path such as /readyz without query or spaces, was '" + path + "'");
        return path;
    }

    /**
     * @return whether the readiness probe answers 200
     */
    @ManagedAttribute(value = "Whether the readiness probe answers 200", readonly = true)
    public boolean isReady()
    {
        return ready && !shutdown.isShutdown();
    }

    /**
     * Marks the server ready or not ready; nserv sets it after a successful start and clears it when a stop begins.
     * @param ready the new readiness
     */
    public void setReady(boolean ready)
    {
        this.ready = ready;
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
     * Marks the server not ready and tells every webapp that a drain is coming, by setting the context attribute
     * {@value #DRAINING_ATTRIBUTE}; nserv calls it when a stop begins, before the pre-drain delay, so that webapp
     * readiness probes (e.g. nserv's servlet filter) turn 503 together with the server's.
     */
    public void announceDrain()
    {
        ready = false;
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
        Server server = getServer();
        CompletableFuture<Void> done = shutdown.shutdown();
        if (server != null)
            closeIdleConnections(server);
        return done;
    }

    /**
     * While draining, closes the connections that have no request in flight and have been idle for the grace
     * period; checks again every 100 ms until the connectors have no connection left or the server stops.
     * Jetty's own shutdown idle timeout is disabled on nserv's connectors because it also fires on a request that
     * is being handled but quiet (a response streamed with pauses), cutting it short.
     */
    private void closeIdleConnections(Server server)
    {
        // The server is STOPPING (not running) for the whole drain; stop checking once it has stopped.
        if (server.isStopped() || !shutdown.isShutdown())
            return;
        boolean remaining = false;
        for (Connector connector : server.getConnectors())
        {
            for (EndPoint endPoint : connector.getConnectedEndPoints())
            {
                remaining = true;
                // Only when nothing is in flight: an idle-looking connection may carry a quiet request.
                // HTTP/2 connections are left to Jetty's own graceful shutdown (GOAWAY, then a close once the
                // last stream ends): closing one here could reset a response the client has not read yet.
                if (inFlight.get() == 0 && idleFor(endPoint) >= idleCloseGraceMs && !isHttp2(endPoint.getConnection()))
                    endPoint.close();
            }
        }
        if (remaining)
        {
            try
            {
                server.getScheduler().schedule(() -> closeIdleConnections(server), 100, TimeUnit.MILLISECONDS);
            }
            catch (RejectedExecutionException stopped)
            {
                // the scheduler stopped with the server: the connectors have closed everything
            }
        }
    }

    @Override
    protected void doStart() throws Exception
    {
        // A stopped server may be started again: reset the drain then, not in doStop, so
        // isDraining() stays true while stopped.
        shutdown.cancel();
        super.doStart();
    }

    private static boolean isHttp2(Connection connection)
    {
        if (connection instanceof SslConnection ssl)
            connection = ssl.getSslEndPoint().getConnection();
        return connection instanceof HTTP2Connection;
    }

    /**
     * @return how long the endpoint has been idle in ms; endpoints that do not track it count as idle
     */
    private static long idleFor(EndPoint endPoint)
    {
        if (endPoint instanceof IdleTimeout idleTimeout)
            return idleTimeout.getIdleFor();
        return Long.MAX_VALUE;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        String path = request.getHttpURI().getPath();
        if (path != null)
        {
            String readiness = readinessPath;
            if (path.equals(readiness))
            {
                boolean isReady = isReady();
                probe(response, callback, isReady ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503, isReady ? READY : NOT_READY);
                return true;
            }
            String liveness = livenessPath;
            if (path.equals(liveness))
            {
                probe(response, callback, HttpStatus.OK_200, ALIVE);
                return true;
            }
        }

        Handler next = getHandler();
        if (next == null)
            return false;

        // Count before handing over, so that a drain starting now waits for this request.
        inFlight.incrementAndGet();
        handled.increment();
        Completion completion = new Completion(callback);
        boolean accepted;
        try
        {
            accepted = next.handle(request, response, completion);
        }
        catch (Throwable x)
        {
            // Jetty writes the error response with the original callback: the request ends here for us.
            completion.end();
            throw x;
        }
        if (!accepted)
            completion.end();
        return accepted;
    }

    private static void probe(Response response, Callback callback, int status, byte[] body)
    {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** Decrements the in-flight count exactly once, however the request ends. */
    private final class Completion extends Callback.Nested
    {
        private final AtomicBoolean ended = new AtomicBoolean();

        Completion(Callback callback)
        {
            super(callback);
        }

        void end()
        {
            if (ended.compareAndSet(false, true) && inFlight.decrementAndGet() == 0 && shutdown.isShutdown())
                shutdown.check();
        }

        @Override
        public void succeeded()
        {
            try
            {
                super.succeeded();
            }
            finally
            {
                end();
            }
        }

        @Override
        public void failed(Throwable x)
        {
            try
            {
                super.failed(x);
            }
            finally
            {
                end();
            }
        }
    }
}
