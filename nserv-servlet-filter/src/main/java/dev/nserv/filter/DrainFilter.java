package dev.nserv.filter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.logging.Logger;

import javax.management.ObjectName;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Drains a webapp before it goes away, in any Servlet 6 container. While draining, every response gets
 * {@code Connection: close} (clients reconnect, to another instance once the load balancer has noticed),
 * the readiness path answers 503, and requests are still served; when the webapp is destroyed, the
 * destruction waits up to {@code drain-timeout-ms} for the requests in flight (asynchronous ones until their
 * AsyncContext ends).
 *
 * <p>A drain starts when any of these happens: the webapp is being destroyed; the JMX operation
 * {@code startDrain} on {@code dev.nserv.filter:type=Drain,name=<drain-name>,instance=<n>} is called (the
 * {@code instance} key tells live copies of one webapp apart, see the README); or the nserv server
 * announces a drain by setting the ServletContext attribute {@code dev.nserv.draining} to
 * {@code Boolean.TRUE} (checked on every request; this is the contract with the nserv server, which
 * needs no compile-time dependency on this module).</p>
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>drain</filter-name>
 *   <filter-class>dev.nserv.filter.DrainFilter</filter-class>
 *   <async-supported>true</async-supported>
 *   <init-param><param-name>readiness-path</param-name><param-value>/app-readyz</param-value></init-param>
 * </filter>
 * <filter-mapping><filter-name>drain</filter-name><url-pattern>/*</url-pattern></filter-mapping>
 * <listener><listener-class>dev.nserv.filter.DrainListener</listener-class></listener>
 * }</pre>
 *
 * <p>Init-params: {@code readiness-path} (a path in the webapp the filter answers itself: 200 {@code ready},
 * or 503 {@code draining}; none by default), {@code drain-timeout-ms} (default 30000), {@code drain-name}
 * (the MBean name; default the context path), {@code jmx} (default true). Map it first, on {@code /*}, so
 * that the readiness path is answered even when the concurrency limit is reached.</p>
 */
public class DrainFilter implements Filter
{
    /** Init-param names. */
    public static final String READINESS_PATH = "readiness-path", DRAIN_TIMEOUT_MS = "drain-timeout-ms", DRAIN_NAME = "drain-name", JMX = "jmx";
    private static final Set<String> PARAMS = Set.of(READINESS_PATH, DRAIN_TIMEOUT_MS, DRAIN_NAME, JMX);
    private static final Logger LOG = Logger.getLogger(DrainFilter.class.getName());
    private static final byte[] READY = "ready\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DRAINING = "draining\n".getBytes(StandardCharsets.US_ASCII);

    private volatile DrainState state;
    private String readinessPath;
    private ObjectName objectName;

    @Override
    public void init(FilterConfig config) throws ServletException
    {
        InitParams params = new InitParams(config);
        params.rejectUnknown(PARAMS);
        String path = params.string(READINESS_PATH);
        if (path != null && (!path.startsWith("/") || path.length() < 2 || path.contains("*") || path.contains("?")))
            throw params.fail(READINESS_PATH, path, "it must be a path in the webapp starting with '/', without wildcards, e.g. /app-readyz");
        long timeout = params.longValue(DRAIN_TIMEOUT_MS, 30_000, 0);
        String name = params.string(DRAIN_NAME);
        if (name != null && !ConcurrencyLimitSettings.NAME.matcher(name).matches())
            throw params.fail(DRAIN_NAME, name, "use 1 to 128 characters from A-Z a-z 0-9 . _ -");
        if (name == null)
            name = Jmx.contextName(config.getServletContext().getContextPath());
        boolean jmx = params.bool(JMX, true);

        DrainState drain = DrainState.of(config.getServletContext());
        drain.setDrainTimeoutMillis(timeout);
        if (jmx)
            objectName = Jmx.register(drain, DrainMBean.class, "Drain", name);
        readinessPath = path;
        state = drain;
        config.getServletContext().log("nserv drain filter '" + config.getFilterName() + "': readiness-path=" + path + " drain-timeout-ms=" + timeout +
            (objectName == null ? "" : " jmx=" + objectName) + "; drains when " + DrainState.SERVER_DRAINING_ATTRIBUTE + " is TRUE");
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException
    {
        DrainState drain = state;
        // only the REQUEST dispatch is counted: the others happen within a request already counted
        if (drain == null || req.getDispatcherType() != DispatcherType.REQUEST || !(req instanceof HttpServletRequest) || !(res instanceof HttpServletResponse))
        {
            chain.doFilter(req, res);
            return;
        }
        HttpServletRequest request = (HttpServletRequest)req;
        HttpServletResponse response = (HttpServletResponse)res;
        boolean draining = drain.isDraining();
        // Connection is an HTTP/1 header: HTTP/2 forbids it (a container may reset the stream), and an HTTP/2
        // server drains with GOAWAY instead.
        String protocol = request.getProtocol();
        boolean http1 = protocol == null || protocol.startsWith("HTTP/1");
        if (readinessPath != null && isReadinessPath(request))
        {
            answerReadiness(response, draining, http1);
            return;
        }
        if (draining && http1)
            response.setHeader("Connection", "close");
        drain.requestStarted();
        RequestEnd.run(request, response, chain, failed -> drain.requestEnded());
        // a drain that began while this (synchronous) request ran: close if still possible
        if (http1 && !draining && !response.isCommitted() && !request.isAsyncStarted() && drain.isDraining())
            response.setHeader("Connection", "close");
    }

    // servletPath + pathInfo == readinessPath, without building the string on every request
    private boolean isReadinessPath(HttpServletRequest request)
    {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        if (servletPath == null)
            servletPath = "";
        if (pathInfo == null)
            return readinessPath.equals(servletPath);
        return readinessPath.length() == servletPath.length() + pathInfo.length() && readinessPath.startsWith(servletPath) &&
            readinessPath.startsWith(pathInfo, servletPath.length());
    }

    private static void answerReadiness(HttpServletResponse response, boolean draining, boolean http1) throws IOException
    {
        byte[] body = draining ? DRAINING : READY;
        response.setStatus(draining ? HttpServletResponse.SC_SERVICE_UNAVAILABLE : HttpServletResponse.SC_OK);
        response.setHeader("Cache-Control", "no-store");
        if (draining && http1)
            response.setHeader("Connection", "close");
        response.setContentType("text/plain;charset=utf-8");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** @return the drain state of this filter's webapp, null before init */
    public DrainState getDrainState()
    {
        return state;
    }

    @Override
    public void destroy()
    {
        DrainState drain = state;
        if (drain == null)
            return;
        if (!drain.destroyAndAwaitIdle())
            LOG.warning("nserv drain: " + drain.getInFlight() + " request(s) still in flight after the drain timeout of " +
                drain.getDrainTimeoutMillis() + " ms; the filter is destroyed anyway");
        Jmx.unregister(objectName);
        objectName = null;
    }
}
