package dev.nserv.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.Graceful;

/**
 * The outermost handler of an nserv server: answers the readiness and liveness probes before any context and passes
 * every other request on. Probes are answered here, in front of the {@link DrainHandler}, so they are neither
 * counted as requests in flight nor kept waiting by a busy webapp.
 *
 * <p>Readiness answers 200 only while the server is marked ready and no stop has begun. A stop begins either when
 * {@link NservServer#stop()} clears the ready mark (before the pre-drain delay, so load balancers see 503 first) or
 * when Jetty's graceful shutdown reaches this handler (a {@code Server.stop()} called directly). Liveness answers
 * 200 for as long as the process serves, draining or not.</p>
 *
 * <pre>{@code
 * ProbeHandler probes = new ProbeHandler(new DrainHandler(contexts));
 * probes.setReadinessPath("/readyz");
 * server.setHandler(probes);
 * server.start();
 * probes.setReady(true);
 * }</pre>
 */
@ManagedObject("Readiness and liveness probes")
public class ProbeHandler extends Handler.Wrapper implements Graceful
{
    private static final byte[] READY = "ready\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOT_READY = "not ready\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ALIVE = "alive\n".getBytes(StandardCharsets.US_ASCII);

    private volatile boolean ready;
    private volatile boolean shutdown;
    private volatile String readinessPath = "/readyz";
    private volatile String livenessPath = "/livez";

    /** Creates a probe handler without a child; set one with {@link #setHandler(Handler)}. */
    public ProbeHandler()
    {
        this(null);
    }

    /**
     * Creates a probe handler in front of {@code handler}.
     * @param handler the handler for every request that is not a probe
     */
    public ProbeHandler(Handler handler)
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
        return ready && !shutdown;
    }

    /**
     * Marks the server ready or not ready; nserv sets it after a successful start and clears it when a stop begins.
     * @param ready the new readiness
     */
    public void setReady(boolean ready)
    {
        this.ready = ready;
    }

    @Override
    public boolean isShutdown()
    {
        return shutdown;
    }

    /**
     * Turns readiness to 503 for good (until the next start); nothing to wait for, so the future is complete.
     */
    @Override
    public CompletableFuture<Void> shutdown()
    {
        shutdown = true;
        ready = false;
        return CompletableFuture.completedFuture(null);
    }

    @Override
    protected void doStart() throws Exception
    {
        // Reset on start, not on stop, so that readiness stays 503 while stopped.
        shutdown = false;
        super.doStart();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        String path = request.getHttpURI().getPath();
        if (path != null)
        {
            if (path.equals(readinessPath))
            {
                boolean isReady = isReady();
                answer(response, callback, isReady ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503, isReady ? READY : NOT_READY);
                return true;
            }
            if (path.equals(livenessPath))
            {
                answer(response, callback, HttpStatus.OK_200, ALIVE);
                return true;
            }
        }
        return super.handle(request, response, callback);
    }

    private static void answer(Response response, Callback callback, int status, byte[] body)
    {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
