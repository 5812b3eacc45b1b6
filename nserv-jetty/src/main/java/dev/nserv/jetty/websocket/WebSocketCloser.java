package dev.nserv.jetty.websocket;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import jakarta.servlet.ServletContext;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.jakarta.common.JakartaWebSocketSession;
import org.eclipse.jetty.ee10.websocket.jakarta.common.JakartaWebSocketSessionListener;
import org.eclipse.jetty.ee10.websocket.jakarta.server.JakartaWebSocketServerContainer;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServerContainer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.websocket.api.WebSocketSessionListener;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes every WebSocket session of a server -- Jakarta ({@code @ServerEndpoint}) and Jetty API, in every deployed
 * ee10 context -- with one close code, spread evenly over a short window, so that clients reconnect without all
 * hitting the next server in the same millisecond.
 * <p>
 * A bean of the {@link Server} (as a bean it also listens to the server's life cycle): when the server begins to stop (before Jetty's graceful shutdown, which would
 * otherwise send 1001 "Container being shut down" to every session at once and then keep the drain waiting on
 * WebSocket connections that are still busy) it closes the sessions with 1001 (Going Away) and waits until they have
 * closed. A restart calls {@link #closeAll(int, String)} with 1012 (Service Restart) at commit instead; the stop then
 * only waits for that close to finish. The first call decides the code; later calls join it. A session that opens
 * after that (a client that reconnected on a connection this server had still accepted) is closed as it opens, with
 * the same code, so that the client tries again and reaches the successor.
 *
 * <pre>{@code
 * WebSocketCloser closer = new WebSocketCloser(server);
 * closer.setCloseWindow(1000);                 // ms; 0 closes all at once
 * server.addBean(closer);
 * // at a restart's commit (see WebSocketRestartParticipant):
 * closer.closeAll(WebSocketCloser.SERVICE_RESTART, "service restart");
 * }</pre>
 */
@ManagedObject("Closes WebSocket sessions, spread over a window, before a stop or at a restart")
public class WebSocketCloser extends ContainerLifeCycle implements LifeCycle.Listener
{
    /** RFC 6455 close code 1001: the server goes away. */
    public static final int GOING_AWAY = CloseStatus.SHUTDOWN;
    /** RFC 6455 close code 1012: the service restarts; the client should reconnect. */
    public static final int SERVICE_RESTART = CloseStatus.SERVICE_RESTART;
    /** The largest close window accepted, in ms. */
    public static final long MAX_CLOSE_WINDOW_MS = 60_000;
    /** How long, after the window, the closer waits for clients to answer the close handshake, in ms. */
    static final long CLOSE_HANDSHAKE_WAIT_MS = 2_000;
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketCloser.class);

    private final Server server;
    private volatile long closeWindowMs = 1000;
    private CompletableFuture<Integer> closing;
    private final Set<Object> watched = Collections.newSetFromMap(new ConcurrentHashMap<>());

    /**
     * @param server the server whose contexts' WebSocket sessions this closes
     */
    public WebSocketCloser(@Name("server") Server server)
    {
        if (server == null)
            throw new IllegalArgumentException("WebSocketCloser needs a server, was null");
        this.server = server;
    }

    /**
     * @return the window over which the sessions are closed, in ms
     */
    @ManagedAttribute("Window, in ms, over which WebSocket sessions are closed at a stop or restart")
    public long getCloseWindow()
    {
        return closeWindowMs;
    }

    /**
     * Sets the window over which the sessions are closed: with N sessions, one is closed every window/N ms, the first
     * at once.
     * @param ms milliseconds, 0 to {@value #MAX_CLOSE_WINDOW_MS}; 0 closes every session at once (default 1000)
     */
    public void setCloseWindow(long ms)
    {
        if (ms < 0 || ms > MAX_CLOSE_WINDOW_MS)
            throw new IllegalArgumentException("closeWindow must be from 0 to " + MAX_CLOSE_WINDOW_MS + " ms, was " + ms +
                " ms (0 closes every WebSocket at once)");
        closeWindowMs = ms;
    }

    /**
     * @return the number of WebSocket sessions open now
     */
    @ManagedAttribute(value = "WebSocket sessions open now", readonly = true)
    public int getOpenSessions()
    {
        return openSessions().size();
    }

    @Override
    protected void doStart() throws Exception
    {
        synchronized (this)
        {
            closing = null;
        }
        super.doStart();
    }

    /**
     * Runs when the server begins to stop, before Jetty's graceful shutdown: closes the sessions with 1001 (or joins
     * a close already under way, e.g. 1012 after a restart) and waits until they have closed.
     */
    @Override
    public void lifeCycleStopping(LifeCycle event)
    {
        if (event != server)
            return;
        CompletableFuture<Integer> done = closeAll(GOING_AWAY, "server stopping");
        try
        {
            done.get(closeWindowMs + CLOSE_HANDSHAKE_WAIT_MS + 1000, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        catch (TimeoutException | java.util.concurrent.ExecutionException x)
        {
            LOG.warn("closing WebSocket sessions did not finish: {}", x.toString());
        }
    }

    /**
     * JMX: closes every WebSocket session with 1001 over the window.
     * @return what was done
     */
    @ManagedOperation(value = "Close every WebSocket session with 1001 (Going Away), spread over the close window", impact = "ACTION")
    public String closeAllGoingAway()
    {
        closeAll(GOING_AWAY, "server stopping");
        return "closing WebSocket sessions over " + closeWindowMs + " ms";
    }

    /**
     * Starts closing every open WebSocket session with {@code code}, one every window/N ms, on a thread of its own;
     * returns at once. Only the first call closes: a later call returns the same future (the first code wins), so a
     * stop after a restart's 1012 waits for those closes instead of sending 1001.
     * @param code the close code, e.g. {@link #SERVICE_RESTART} or {@link #GOING_AWAY}
     * @param reason the close reason sent to the client (at most 123 bytes of UTF-8)
     * @return completes with the number of sessions closed once they have all closed, or after
     * {@value #CLOSE_HANDSHAKE_WAIT_MS} ms more than the window for clients that do not answer the close
     */
    public CompletableFuture<Integer> closeAll(int code, String reason)
    {
        CompletableFuture<Integer> done;
        synchronized (this)
        {
            if (closing != null)
                return closing;
            closing = done = new CompletableFuture<>();
        }
        // An acceptor blocked in accept() when the successor took over serves one more connection here; a client
        // that reconnects on it must not get a session that dies with this server: it is closed as it opens.
        closeNewSessions(code, reason, done);
        long window = closeWindowMs;
        Thread thread = new Thread(() -> closeSpread(code, reason, window, done), "nserv-websocket-close");
        thread.setDaemon(true);
        thread.start();
        return done;
    }

    private void closeSpread(int code, String reason, long windowMs, CompletableFuture<Integer> done)
    {
        try
        {
            List<CoreSession> sessions = openSessions();
            long start = System.nanoTime();
            int count = sessions.size();
            if (count > 0)
                LOG.info("closing {} WebSocket session(s) with {} over {} ms", count, code, windowMs);
            Set<CoreSession> closed = Collections.newSetFromMap(new IdentityHashMap<>());
            for (int i = 0; i < count; i++)
            {
                // session i at i/N of the window: the last one before the window ends
                long due = start + TimeUnit.MILLISECONDS.toNanos(windowMs) * i / count;
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime())
                    LockSupport.parkNanos(wait);
                close(sessions.get(i), code, reason);
                closed.add(sessions.get(i));
            }
            // sessions upgraded while the window ran (connections accepted before the acceptors stopped)
            for (CoreSession late : openSessions())
            {
                if (closed.add(late))
                    close(late, code, reason);
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_HANDSHAKE_WAIT_MS);
            while (closed.stream().anyMatch(session -> !session.isClosed()) && System.nanoTime() - deadline < 0)
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            if (!closed.isEmpty())
                LOG.info("closed {} WebSocket session(s) with {} in {} ms", closed.size(), code,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            done.complete(closed.size());
        }
        catch (Throwable x)
        {
            done.completeExceptionally(x);
        }
    }

    private void closeNewSessions(int code, String reason, CompletableFuture<Integer> done)
    {
        for (ServletContextHandler context : server.getDescendants(ServletContextHandler.class))
        {
            ServletContext servletContext = context.getServletContext();
            JakartaWebSocketServerContainer jakarta = JakartaWebSocketServerContainer.getContainer(servletContext);
            if (jakarta != null && watched.add(jakarta))
            {
                jakarta.addSessionListener(new JakartaWebSocketSessionListener()
                {
                    @Override
                    public void onJakartaWebSocketSessionOpened(JakartaWebSocketSession session)
                    {
                        closeIfStillClosing(session.getCoreSession(), code, reason, done);
                    }
                });
            }
            JettyWebSocketServerContainer jettyApi = JettyWebSocketServerContainer.getContainer(servletContext);
            if (jettyApi != null && watched.add(jettyApi))
            {
                jettyApi.addSessionListener(new WebSocketSessionListener()
                {
                    @Override
                    public void onWebSocketSessionOpened(org.eclipse.jetty.websocket.api.Session session)
                    {
                        if (session instanceof WebSocketSession jetty)
                            closeIfStillClosing(jetty.getCoreSession(), code, reason, done);
                    }
                });
            }
        }
    }

    private void closeIfStillClosing(CoreSession session, int code, String reason, CompletableFuture<Integer> done)
    {
        synchronized (this)
        {
            // a server started again serves new sessions normally
            if (closing != done)
                return;
        }
        LOG.info("closing a WebSocket session opened while closing, with {}", code);
        close(session, code, reason);
    }

    private static void close(CoreSession session, int code, String reason)
    {
        try
        {
            session.close(code, reason, Callback.NOOP);
        }
        catch (RuntimeException x)
        {
            LOG.debug("closing WebSocket session {} failed", session, x);
        }
    }

    /**
     * @return the open sessions of every started ee10 context, both APIs, in the order the containers list them
     */
    List<CoreSession> openSessions()
    {
        List<CoreSession> sessions = new ArrayList<>();
        for (ServletContextHandler context : server.getDescendants(ServletContextHandler.class))
        {
            if (!context.isStarted())
                continue;
            ServletContext servletContext = context.getServletContext();
            JakartaWebSocketServerContainer jakarta = JakartaWebSocketServerContainer.getContainer(servletContext);
            if (jakarta != null)
            {
                for (jakarta.websocket.Session session : jakarta.getOpenSessions())
                {
                    if (session instanceof JakartaWebSocketSession jetty)
                        sessions.add(jetty.getCoreSession());
                }
            }
            JettyWebSocketServerContainer jettyApi = JettyWebSocketServerContainer.getContainer(servletContext);
            if (jettyApi != null)
            {
                for (org.eclipse.jetty.websocket.api.Session session : jettyApi.getOpenSessions())
                {
                    if (session instanceof WebSocketSession jetty)
                        sessions.add(jetty.getCoreSession());
                }
            }
        }
        sessions.removeIf(session -> !session.isOutputOpen());
        return sessions;
    }
}
