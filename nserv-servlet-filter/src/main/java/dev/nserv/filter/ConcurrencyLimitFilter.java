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
 * Lets at most N requests of the filtered paths run at once, in any Servlet 6 container. A request holds its
 * permit for its whole life: until the chain returns or throws, or, if it went asynchronous, until its
 * AsyncContext completes, times out or errors (an AsyncListener attached when the application calls
 * {@code startAsync}), exactly once on every path. Over the limit the request is rejected with 503 (or 429) and
 * {@code Retry-After}, at once or after waiting in a bounded FIFO/LIFO queue. Only REQUEST dispatches take a
 * permit; other dispatch types pass through.
 *
 * <p>The limit can change at runtime through the MBean
 * {@code dev.nserv.filter:type=ConcurrencyLimit,name=<limiter-name>,instance=<n>} (attribute {@code Limit}) or
 * {@link #getLimiter()}. Filters naming the same {@code limiter-name} share one limiter; without one, the
 * limiter belongs to this filter in this context instance. Bad init-params fail the webapp's start with a
 * {@link ServletException} naming the init-param and the value.</p>
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>limit</filter-name>
 *   <filter-class>dev.nserv.filter.ConcurrencyLimitFilter</filter-class>
 *   <async-supported>true</async-supported>
 *   <init-param><param-name>limit</param-name><param-value>${app.limit:200}</param-value></init-param>
 *   <init-param><param-name>policy</param-name><param-value>fifo</param-value></init-param>
 * </filter>
 * <filter-mapping><filter-name>limit</filter-name><url-pattern>/*</url-pattern></filter-mapping>
 * }</pre>
 *
 * <p>Init-params: {@code limiter-name}, {@code limit}, {@code policy} (reject, fifo, lifo), {@code queue-size},
 * {@code queue-timeout-ms}, {@code reject-status} (503, 429), {@code retry-after-seconds}, {@code adaptive}
 * (none, aimd, gradient), {@code min-limit}, {@code max-limit}, {@code aimd-backoff},
 * {@code latency-threshold-ms}, {@code jmx}; see the module README for defaults.</p>
 */
public class ConcurrencyLimitFilter implements Filter
{
    /** Init-param names. */
    public static final String LIMITER_NAME = "limiter-name", LIMIT = "limit", POLICY = "policy", QUEUE_SIZE = "queue-size",
        QUEUE_TIMEOUT_MS = "queue-timeout-ms", REJECT_STATUS = "reject-status", RETRY_AFTER_SECONDS = "retry-after-seconds",
        ADAPTIVE = "adaptive", MIN_LIMIT = "min-limit", MAX_LIMIT = "max-limit", AIMD_BACKOFF = "aimd-backoff",
        LATENCY_THRESHOLD_MS = "latency-threshold-ms", JMX = "jmx";
    private static final Set<String> LIMITER_PARAMS = Set.of(LIMIT, POLICY, QUEUE_SIZE, QUEUE_TIMEOUT_MS, ADAPTIVE, MIN_LIMIT,
        MAX_LIMIT, AIMD_BACKOFF, LATENCY_THRESHOLD_MS);
    private static final Set<String> PARAMS = Set.of(LIMITER_NAME, LIMIT, POLICY, QUEUE_SIZE, QUEUE_TIMEOUT_MS, REJECT_STATUS,
        RETRY_AFTER_SECONDS, ADAPTIVE, MIN_LIMIT, MAX_LIMIT, AIMD_BACKOFF, LATENCY_THRESHOLD_MS, JMX);
    private static final Logger LOG = Logger.getLogger(ConcurrencyLimitFilter.class.getName());

    private final ConcurrencyLimitSettings base;
    private volatile Limiter limiter;
    private String permitAttribute;
    private int rejectStatus;
    private String retryAfter;
    private byte[] rejectBody;

    /** For web.xml: every setting comes from init-params or defaults. */
    public ConcurrencyLimitFilter()
    {
        this(null);
    }

    /**
     * For programmatic registration: {@code settings} are the defaults, init-params (if any) override them.
     * @param settings the settings; copied
     */
    public ConcurrencyLimitFilter(ConcurrencyLimitSettings settings)
    {
        this.base = settings == null ? null : new ConcurrencyLimitSettings(settings);
    }

    @Override
    public void init(FilterConfig config) throws ServletException
    {
        InitParams params = new InitParams(config);
        params.rejectUnknown(PARAMS);
        ConcurrencyLimitSettings settings = parse(params, base);
        boolean explicit = base != null;
        for (String name : LIMITER_PARAMS)
            explicit |= config.getInitParameter(name) != null;
        String name = settings.getLimiterName();
        Limiter joined;
        if (name != null)
            joined = LimiterRegistry.join(name, settings, explicit, config.getFilterName());
        else
        {
            // no name given: a limiter of this filter in this context instance alone, never shared (a second
            // copy of the same webapp, during a redeploy, must not join it)
            name = Jmx.contextName(config.getServletContext().getContextPath()) + "." + Jmx.sanitize(config.getFilterName());
            joined = LimiterRegistry.own(name, settings);
        }
        permitAttribute = Permit.class.getName() + "." + name;
        rejectStatus = settings.getRejectStatus();
        retryAfter = Integer.toString(settings.getRetryAfterSeconds());
        rejectBody = ("limit of concurrent requests reached, retry after " + retryAfter + " s\n").getBytes(StandardCharsets.UTF_8);
        limiter = joined;
        ObjectName objectName = LimiterRegistry.objectName(joined);
        config.getServletContext().log("nserv concurrency limit filter '" + config.getFilterName() + "': limiter '" + name + "' " + settings +
            (objectName == null ? "" : " jmx=" + objectName));
    }

    /**
     * Parses init-params over the given defaults.
     * @param params the init-params
     * @param base defaults, or null for the built-in defaults
     * @return validated settings
     * @throws ServletException naming the init-param at fault
     */
    static ConcurrencyLimitSettings parse(InitParams params, ConcurrencyLimitSettings base) throws ServletException
    {
        ConcurrencyLimitSettings s = base == null ? new ConcurrencyLimitSettings() : new ConcurrencyLimitSettings(base);
        String name = params.string(LIMITER_NAME);
        if (name != null)
            params.apply(LIMITER_NAME, () -> s.setLimiterName(name));
        int limit = params.integer(LIMIT, s.getLimit(), 0);
        s.setLimit(limit);
        String policy = params.string(POLICY);
        if (policy != null)
            params.apply(POLICY, () -> s.setPolicy(QueuePolicy.parse(policy)));
        s.setQueueSize(params.integer(QUEUE_SIZE, s.getQueueSize(), 1));
        s.setQueueTimeoutMillis(params.longValue(QUEUE_TIMEOUT_MS, s.getQueueTimeoutMillis(), 1));
        int status = params.integer(REJECT_STATUS, s.getRejectStatus(), 0);
        params.apply(REJECT_STATUS, () -> s.setRejectStatus(status));
        s.setRetryAfterSeconds(params.integer(RETRY_AFTER_SECONDS, s.getRetryAfterSeconds(), 0));
        String adaptive = params.string(ADAPTIVE);
        if (adaptive != null)
            params.apply(ADAPTIVE, () -> s.setAdaptive(AdaptiveMode.parse(adaptive)));
        s.setMinLimit(params.integer(MIN_LIMIT, s.getMinLimit(), 1));
        s.setMaxLimit(params.integer(MAX_LIMIT, s.getMaxLimit(), 1));
        double backoff = params.decimal(AIMD_BACKOFF, s.getAimdBackoff());
        params.apply(AIMD_BACKOFF, () -> s.setAimdBackoff(backoff));
        s.setLatencyThresholdMillis(params.longValue(LATENCY_THRESHOLD_MS, s.getLatencyThresholdMillis(), 1));
        s.setJmx(params.bool(JMX, s.isJmx()));
        params.apply(s.getAdaptive() == AdaptiveMode.NONE ? LIMIT : LIMIT + "', 'min-limit', 'max-limit", s::validate);
        return s;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException
    {
        Limiter current = limiter;
        // only the REQUEST dispatch takes a permit: FORWARD, INCLUDE, ASYNC and ERROR dispatches belong to a
        // request that already passed (or that failed before reaching this filter)
        if (current == null || req.getDispatcherType() != DispatcherType.REQUEST || !(req instanceof HttpServletRequest) ||
            !(res instanceof HttpServletResponse))
        {
            chain.doFilter(req, res);
            return;
        }
        // a shared limiter may sit in two filters of one chain: the request attribute keeps it to one permit
        // (looked up only when shared, as request attributes are not free)
        boolean shared = current.isShared();
        if (shared && req.getAttribute(permitAttribute) != null)
        {
            chain.doFilter(req, res);
            return;
        }
        HttpServletRequest request = (HttpServletRequest)req;
        Permit permit = current.acquire();
        if (permit == null)
        {
            reject((HttpServletResponse)res);
            return;
        }
        if (shared)
            request.setAttribute(permitAttribute, permit);
        RequestEnd.run(request, res, chain, failed ->
        {
            if (failed)
                permit.dropped();
            else
                permit.succeeded();
        });
    }

    private void reject(HttpServletResponse response) throws IOException
    {
        if (response.isCommitted())
            return;
        response.setStatus(rejectStatus);
        response.setHeader("Retry-After", retryAfter);
        response.setContentType("text/plain;charset=utf-8");
        response.setContentLength(rejectBody.length);
        try
        {
            response.getOutputStream().write(rejectBody);
        }
        catch (IllegalStateException e)
        {
            // an outer filter already took the writer; the status and headers say it all
            LOG.finest("reject body not written: " + e);
        }
    }

    /** @return the limiter this filter uses (shared with other filters of the same limiter name), null before init */
    public Limiter getLimiter()
    {
        return limiter;
    }

    @Override
    public void destroy()
    {
        Limiter current = limiter;
        if (current != null)
        {
            limiter = null;
            LimiterRegistry.leave(current);
        }
    }
}
