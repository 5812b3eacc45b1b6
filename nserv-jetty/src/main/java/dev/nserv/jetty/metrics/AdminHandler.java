package dev.nserv.jetty.metrics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

import dev.nserv.jetty.ProbeHandler;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The server's outermost handler once metrics are on: splits requests by the connector they came through. A request
 * through the admin connector is answered here -- {@code /metrics}, or a probe handed to the server's own
 * {@link ProbeHandler} (the same readiness and liveness as on the public port) -- and anything else is 404: no
 * webapp is reachable through the admin port. Every other request goes on to the public chain unchanged, so
 * {@code /metrics} on the public port is whatever the webapps make of it. Admin requests never enter the
 * {@link dev.nserv.jetty.DrainHandler}: a scrape is not a request in flight and never holds up a drain.
 */
class AdminHandler extends Handler.Wrapper
{
    static final String METRICS_PATH = "/metrics";
    private static final byte[] NOT_FOUND = "not found: the admin port serves /metrics and the probes\n".getBytes(StandardCharsets.US_ASCII);

    private final Connector admin;
    private final Supplier<String> scrape;

    /**
     * @param next the public chain (usually the server's ProbeHandler)
     * @param admin the admin connector
     * @param scrape produces the Prometheus text exposition
     */
    AdminHandler(Handler next, Connector admin, Supplier<String> scrape)
    {
        super(next);
        this.admin = admin;
        this.scrape = scrape;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        if (request.getConnectionMetaData().getConnector() != admin)
            return super.handle(request, response, callback);

        String path = request.getHttpURI().getPath();
        String method = request.getMethod();
        boolean read = HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method);
        if (read && METRICS_PATH.equals(path))
        {
            byte[] body = scrape.get().getBytes(StandardCharsets.UTF_8);
            answer(request, response, callback, HttpStatus.OK_200, "text/plain; version=0.0.4; charset=utf-8", body);
            return true;
        }
        ProbeHandler probes = getServer() == null ? null : getServer().getDescendant(ProbeHandler.class);
        if (read && probes != null && path != null && (path.equals(probes.getReadinessPath()) || path.equals(probes.getLivenessPath())))
            return probes.handle(request, response, callback);
        answer(request, response, callback, HttpStatus.NOT_FOUND_404, "text/plain;charset=utf-8", NOT_FOUND);
        return true;
    }

    private static void answer(Request request, Response response, Callback callback, int status, String type, byte[] body)
    {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        boolean head = HttpMethod.HEAD.is(request.getMethod());
        response.write(true, head ? null : ByteBuffer.wrap(body), callback);
    }
}
