package dev.nserv.filter;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import javax.management.ObjectName;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mockito.ArgumentCaptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;

import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

class ConcurrencyLimitFilterTest
{
    private ServletContext context;
    private ConcurrencyLimitFilter filter;
    private HttpServletResponse response;

    @BeforeEach
    void setUp() throws IOException
    {
        context = Mocks.context("/unit");
        response = mock(HttpServletResponse.class);
        when(response.getOutputStream()).thenReturn(Mocks.outputStream());
    }

    @AfterEach
    void tearDown()
    {
        if (filter != null)
            filter.destroy();
        System.clearProperty("nserv.test.limit");
    }

    private ConcurrencyLimitFilter start(Map<String, String> params) throws ServletException
    {
        filter = new ConcurrencyLimitFilter();
        filter.init(Mocks.config(context, "limit", params));
        return filter;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "limit|abc|'limit' has bad value 'abc'",
        "limit|-1|'limit' has bad value '-1'",
        "policy|maybe|unknown policy 'maybe'",
        "queue-size|0|'queue-size' has bad value '0'",
        "queue-timeout-ms|soon|'queue-timeout-ms' has bad value 'soon'",
        "reject-status|500|reject status 500 must be 503 or 429",
        "retry-after-seconds|-5|'retry-after-seconds' has bad value '-5'",
        "adaptive|magic|unknown adaptive mode 'magic'",
        "aimd-backoff|1.5|AIMD backoff 1.5",
        "limiter-name|a b|limiter name 'a b'",
        "jmx|yes|'jmx' has bad value 'yes'",
        "limt|5|unknown init-param 'limt'",
        "limit|${nserv.test.unset}|'limit' has bad value '${nserv.test.unset}'",
    })
    void badConfigurationFailsNamingTheInitParam(String param, String value, String message)
    {
        filter = new ConcurrencyLimitFilter();
        assertThatThrownBy(() -> filter.init(Mocks.config(context, "limit", Map.of(param, value))))
            .isInstanceOf(ServletException.class)
            .hasMessageContaining("filter 'limit'")
            .hasMessageContaining(message)
            .hasMessageContaining(param);
        filter = null;
    }

    @Test
    void adaptiveBoundsAreCheckedTogether()
    {
        filter = new ConcurrencyLimitFilter();
        assertThatThrownBy(() -> filter.init(Mocks.config(context, "limit", Map.of("adaptive", "aimd", "limit", "50", "max-limit", "20"))))
            .isInstanceOf(ServletException.class).hasMessageContaining("max-limit").hasMessageContaining("limit 50");
        filter = null;
    }

    @Test
    void placeholdersResolveFromSystemPropertyThenContextParamThenDefault() throws ServletException
    {
        when(context.getInitParameter("nserv.test.limit")).thenReturn("7");
        assertThat(start(Map.of("limit", "${nserv.test.limit:3}")).getLimiter().getLimit()).isEqualTo(7);
        filter.destroy();
        System.setProperty("nserv.test.limit", "9");
        assertThat(start(Map.of("limit", "${nserv.test.limit:3}")).getLimiter().getLimit()).isEqualTo(9);
        filter.destroy();
        System.clearProperty("nserv.test.limit");
        when(context.getInitParameter("nserv.test.limit")).thenReturn(null);
        assertThat(start(Map.of("limit", "${nserv.test.limit:3}")).getLimiter().getLimit()).isEqualTo(3);
    }

    @Test
    void syncRequestHoldsThePermitUntilTheChainReturns() throws Exception
    {
        start(Map.of("limit", "1"));
        HttpServletRequest request = Mocks.request("/x", false);
        AtomicReference<Integer> inFlightDuringChain = new AtomicReference<>();
        FilterChain chain = (req, res) -> inFlightDuringChain.set(filter.getLimiter().getInFlight());
        filter.doFilter(request, response, chain);
        assertThat(inFlightDuringChain.get()).isEqualTo(1);
        assertThat(filter.getLimiter().getInFlight()).isZero();
        verify(response, never()).setStatus(503);
    }

    @Test
    void anExceptionFromTheChainIsRethrownAndThePermitReleased() throws Exception
    {
        start(Map.of("limit", "1"));
        IOException boom = new IOException("client went away");
        FilterChain chain = mock(FilterChain.class);
        doThrow(boom).when(chain).doFilter(any(), any());
        assertThatThrownBy(() -> filter.doFilter(Mocks.request("/x", false), response, chain)).isSameAs(boom);
        assertThat(filter.getLimiter().getInFlight()).isZero();
        RuntimeException bug = new IllegalStateException("bug");
        doThrow(bug).when(chain).doFilter(any(), any());
        assertThatThrownBy(() -> filter.doFilter(Mocks.request("/x", true), response, chain)).isSameAs(bug);
        assertThat(filter.getLimiter().getInFlight()).isZero();
    }

    @Test
    void overTheLimitAnswers503WithRetryAfter() throws Exception
    {
        start(Map.of("limit", "0", "retry-after-seconds", "7"));
        FilterChain chain = mock(FilterChain.class);
        filter.doFilter(Mocks.request("/x", false), response, chain);
        verify(chain, never()).doFilter(any(), any());
        verify(response).setStatus(503);
        verify(response).setHeader("Retry-After", "7");
        assertThat(filter.getLimiter().getRejected()).isEqualTo(1);
    }

    @Test
    void rejectStatusCanBe429() throws Exception
    {
        start(Map.of("limit", "0", "reject-status", "429"));
        filter.doFilter(Mocks.request("/x", false), response, mock(FilterChain.class));
        verify(response).setStatus(429);
        verify(response).setHeader("Retry-After", "1");
    }

    private static AsyncListener startAsyncInChain(ConcurrencyLimitFilter filter, HttpServletRequest request, HttpServletResponse response) throws Exception
    {
        AsyncContext asyncContext = mock(AsyncContext.class);
        when(request.startAsync()).thenReturn(asyncContext);
        when(request.isAsyncStarted()).thenReturn(true);
        filter.doFilter(request, response, (req, res) -> ((HttpServletRequest)req).startAsync());
        ArgumentCaptor<AsyncListener> listener = ArgumentCaptor.forClass(AsyncListener.class);
        verify(asyncContext).addListener(listener.capture());
        return listener.getValue();
    }

    @Test
    void asyncRequestHoldsThePermitUntilComplete() throws Exception
    {
        start(Map.of("limit", "1"));
        HttpServletRequest request = Mocks.request("/x", true);
        AsyncListener listener = startAsyncInChain(filter, request, response);
        assertThat(filter.getLimiter().getInFlight()).as("doFilter returned, the async request still runs").isEqualTo(1);
        filter.doFilter(Mocks.request("/y", false), response, mock(FilterChain.class));
        verify(response).setStatus(503);
        listener.onComplete(new AsyncEvent(mock(AsyncContext.class)));
        assertThat(filter.getLimiter().getInFlight()).isZero();
    }

    @Test
    void asyncTimeoutThenCompleteReleasesOnce() throws Exception
    {
        start(Map.of("limit", "2"));
        AsyncListener first = startAsyncInChain(filter, Mocks.request("/x", true), response);
        AsyncListener second = startAsyncInChain(filter, Mocks.request("/x", true), response);
        assertThat(filter.getLimiter().getInFlight()).isEqualTo(2);
        first.onTimeout(new AsyncEvent(mock(AsyncContext.class)));
        first.onComplete(new AsyncEvent(mock(AsyncContext.class)));
        assertThat(filter.getLimiter().getInFlight()).isEqualTo(1);
        second.onError(new AsyncEvent(mock(AsyncContext.class), null, null, new IOException("reset by peer")));
        second.onComplete(new AsyncEvent(mock(AsyncContext.class)));
        assertThat(filter.getLimiter().getInFlight()).isZero();
    }

    @Test
    void asyncRestartedKeepsTheListener() throws Exception
    {
        start(Map.of("limit", "1"));
        AsyncListener listener = startAsyncInChain(filter, Mocks.request("/x", true), response);
        AsyncContext again = mock(AsyncContext.class);
        listener.onStartAsync(new AsyncEvent(again));
        verify(again).addListener(listener);
    }

    @Test
    void asyncStartedAroundTheWrapperIsStillTracked() throws Exception
    {
        start(Map.of("limit", "1"));
        HttpServletRequest request = Mocks.request("/x", true);
        AsyncContext asyncContext = mock(AsyncContext.class);
        when(request.isAsyncStarted()).thenReturn(true);
        when(request.getAsyncContext()).thenReturn(asyncContext);
        // the chain ignores the wrapper (e.g. a framework kept the original request)
        filter.doFilter(request, response, (req, res) -> { });
        ArgumentCaptor<AsyncListener> listener = ArgumentCaptor.forClass(AsyncListener.class);
        verify(asyncContext).addListener(listener.capture());
        assertThat(filter.getLimiter().getInFlight()).isEqualTo(1);
        listener.getValue().onComplete(new AsyncEvent(mock(AsyncContext.class)));
        assertThat(filter.getLimiter().getInFlight()).isZero();
    }

    @Test
    void otherDispatchTypesDoNotTakeAPermit() throws Exception
    {
        start(Map.of("limit", "1"));
        HttpServletRequest request = Mocks.request("/x", false);
        AtomicReference<Integer> nested = new AtomicReference<>();
        filter.doFilter(request, response, (req, res) ->
        {
            HttpServletRequest forwarded = Mocks.request("/y", false);
            when(forwarded.getDispatcherType()).thenReturn(DispatcherType.FORWARD);
            filter.doFilter(forwarded, res, (req2, res2) -> nested.set(filter.getLimiter().getInFlight()));
        });
        assertThat(nested.get()).isEqualTo(1);
        verify(response, never()).setStatus(503);
        assertThat(filter.getLimiter().getInFlight()).isZero();
    }

    @Test
    void twoFiltersOfOneSharedLimiterInOneChainTakeOnePermit() throws Exception
    {
        ConcurrencyLimitFilter outer = new ConcurrencyLimitFilter();
        ConcurrencyLimitFilter inner = new ConcurrencyLimitFilter();
        outer.init(Mocks.config(context, "outer", Map.of("limiter-name", "unit-chain", "limit", "1")));
        inner.init(Mocks.config(context, "inner", Map.of("limiter-name", "unit-chain")));
        try
        {
            HttpServletRequest request = Mocks.request("/x", false);
            AtomicReference<Integer> inChain = new AtomicReference<>();
            outer.doFilter(request, response, (req, res) -> inner.doFilter(req, res, (req2, res2) -> inChain.set(inner.getLimiter().getInFlight())));
            assertThat(inChain.get()).isEqualTo(1);
            verify(response, never()).setStatus(503);
            assertThat(outer.getLimiter().getInFlight()).isZero();
        }
        finally
        {
            outer.destroy();
            inner.destroy();
        }
    }

    @Test
    void nonHttpRequestsPassThrough() throws Exception
    {
        start(Map.of("limit", "0"));
        FilterChain chain = mock(FilterChain.class);
        ServletRequest plain = mock(ServletRequest.class);
        filter.doFilter(plain, response, chain);
        verify(chain).doFilter(plain, response);
    }

    @Test
    void filtersWithTheSameLimiterNameShareOneLimiterAndMBean() throws Exception
    {
        ConcurrencyLimitFilter a = new ConcurrencyLimitFilter();
        ConcurrencyLimitFilter b = new ConcurrencyLimitFilter();
        ConcurrencyLimitFilter c = new ConcurrencyLimitFilter();
        a.init(Mocks.config(context, "a", Map.of("limiter-name", "unit-shared", "limit", "3")));
        b.init(Mocks.config(Mocks.context("/other"), "b", Map.of("limiter-name", "unit-shared")));
        assertThat(b.getLimiter()).isSameAs(a.getLimiter());
        ObjectName name = Mocks.mbean("ConcurrencyLimit", "unit-shared");
        assertThatThrownBy(() -> c.init(Mocks.config(context, "c", Map.of("limiter-name", "unit-shared", "limit", "4"))))
            .isInstanceOf(ServletException.class).hasMessageContaining("limiter 'unit-shared' is already in use");
        assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Limit")).isEqualTo(3);
        a.destroy();
        assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(name)).as("b still uses it").isTrue();
        b.destroy();
        assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(name)).isFalse();
        assertThat(Mocks.mbeans("ConcurrencyLimit", "unit-shared")).isEmpty();
        assertThat(LimiterRegistry.users("unit-shared")).isZero();
    }

    @Test
    void jmxChangesTheLimitAtRuntime() throws Exception
    {
        start(Map.of("limit", "1"));
        ObjectName name = Mocks.mbean("ConcurrencyLimit", "unit.limit");
        var server = ManagementFactory.getPlatformMBeanServer();
        server.setAttribute(name, new javax.management.Attribute("Limit", 5));
        assertThat(filter.getLimiter().getLimit()).isEqualTo(5);
        assertThat(server.getAttribute(name, "InFlight")).isEqualTo(0);
        assertThatThrownBy(() -> server.setAttribute(name, new javax.management.Attribute("Limit", -2))).hasStackTraceContaining("negative");
    }

    @Test
    void programmaticSettingsAreDefaultsThatInitParamsOverride() throws Exception
    {
        filter = new ConcurrencyLimitFilter(new ConcurrencyLimitSettings().setLimit(4).setPolicy(QueuePolicy.LIFO).setJmx(false));
        filter.init(Mocks.config(context, "prog", Map.of("limit", "6")));
        assertThat(filter.getLimiter().getLimit()).isEqualTo(6);
        assertThat(filter.getLimiter().getPolicy()).isEqualTo("lifo");
        assertThat(Mocks.mbeans("ConcurrencyLimit", "unit.prog")).isEmpty();
    }

    @Test
    void rejectionWhenTheWriterIsTakenStillSetsStatus() throws Exception
    {
        start(Map.of("limit", "0"));
        HttpServletResponse taken = mock(HttpServletResponse.class);
        when(taken.getOutputStream()).thenThrow(new IllegalStateException("getWriter() was called"));
        filter.doFilter(Mocks.request("/x", false), taken, mock(FilterChain.class));
        verify(taken).setStatus(503);
    }

    @Test
    void aQueuedRequestIsAdmittedWhenAPermitFrees() throws Exception
    {
        start(Map.of("limit", "1", "policy", "fifo", "queue-timeout-ms", "30000"));
        Permit held = filter.getLimiter().acquire();
        FilterChain chain = mock(FilterChain.class);
        Thread waiter = new Thread(() ->
        {
            try
            {
                filter.doFilter(Mocks.request("/x", false), response, chain);
            }
            catch (Exception e)
            {
                throw new AssertionError(e);
            }
        });
        waiter.start();
        try
        {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> filter.getLimiter().getQueued() == 1);
            held.succeeded();
            waiter.join(5000);
            assertThat(waiter.isAlive()).isFalse();
            verify(chain).doFilter(any(), any());
            assertThat(filter.getLimiter().getInFlight()).isZero();
        }
        finally
        {
            waiter.interrupt();
            waiter.join(5000);
        }
    }

}
