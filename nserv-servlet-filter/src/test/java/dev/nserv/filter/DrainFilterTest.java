package dev.nserv.filter;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.management.ObjectName;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

class DrainFilterTest
{
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private ServletContext context;
    private DrainFilter filter;

    @BeforeEach
    void setUp()
    {
        context = Mocks.context("/drainunit");
    }

    @AfterEach
    void tearDown() throws InterruptedException
    {
        if (filter != null)
        {
            filter.getDrainState().setDrainTimeoutMillis(0);
            filter.destroy();
        }
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private DrainFilter start(Map<String, String> params) throws ServletException
    {
        filter = new DrainFilter();
        filter.init(Mocks.config(context, "drain", params));
        return filter;
    }

    private static HttpServletResponse response() throws Exception
    {
        HttpServletResponse response = mock(HttpServletResponse.class);
        when(response.getOutputStream()).thenReturn(Mocks.outputStream());
        return response;
    }

    @Test
    void badConfigurationFailsNamingTheInitParam()
    {
        for (Map<String, String> params : List.of(Map.of("readiness-path", "readyz"), Map.of("drain-timeout-ms", "-1"), Map.of("drain-timeout-ms", "x"),
            Map.of("drain-name", "a/b"), Map.of("readiness", "/r")))
        {
            String param = params.keySet().iterator().next();
            assertThatThrownBy(() -> new DrainFilter().init(Mocks.config(context, "drain", params)))
                .isInstanceOf(ServletException.class).hasMessageContaining("'" + param).hasMessageContaining("filter 'drain'");
        }
    }

    @Test
    void readinessAnswers200ThenServerAnnouncedDrainGives503AndConnectionClose() throws Exception
    {
        start(Map.of("readiness-path", "/app-readyz"));
        FilterChain chain = mock(FilterChain.class);
        HttpServletResponse ready = response();
        filter.doFilter(Mocks.request("/app-readyz", false), ready, chain);
        verify(ready).setStatus(200);
        verify(chain, never()).doFilter(any(), any());

        context.setAttribute(DrainState.SERVER_DRAINING_ATTRIBUTE, Boolean.TRUE);
        HttpServletResponse draining = response();
        filter.doFilter(Mocks.request("/app-readyz", false), draining, chain);
        verify(draining).setStatus(503);
        HttpServletResponse normal = response();
        filter.doFilter(Mocks.request("/page", false), normal, chain);
        verify(normal).setHeader("Connection", "close");
        verify(chain).doFilter(any(), any());
        assertThat(filter.getDrainState().getDrainReason()).contains("dev.nserv.draining");
    }

    @Test
    void http2ResponsesGetNoConnectionHeaderWhileDraining() throws Exception
    {
        start(Map.of("readiness-path", "/app-readyz"));
        context.setAttribute(DrainState.SERVER_DRAINING_ATTRIBUTE, Boolean.TRUE);
        FilterChain chain = mock(FilterChain.class);
        HttpServletRequest request = Mocks.request("/page", false);
        when(request.getProtocol()).thenReturn("HTTP/2.0");
        HttpServletResponse response = response();
        filter.doFilter(request, response, chain);
        verify(chain).doFilter(any(), any());
        verify(response, never()).setHeader(org.mockito.ArgumentMatchers.eq("Connection"), any());

        HttpServletRequest http11 = Mocks.request("/page", false);
        when(http11.getProtocol()).thenReturn("HTTP/1.1");
        HttpServletResponse closed = response();
        filter.doFilter(http11, closed, chain);
        verify(closed).setHeader("Connection", "close");
    }

    @Test
    void pathInfoMappingsMatchTheReadinessPath() throws Exception
    {
        start(Map.of("readiness-path", "/app-readyz"));
        HttpServletRequest request = Mocks.request("", false);
        when(request.getPathInfo()).thenReturn("/app-readyz");
        HttpServletResponse response = response();
        filter.doFilter(request, response, mock(FilterChain.class));
        verify(response).setStatus(200);
    }

    @Test
    void jmxStartsAndCancelsADrain() throws Exception
    {
        start(Map.of());
        ObjectName name = Mocks.mbean("Drain", "drainunit");
        var server = ManagementFactory.getPlatformMBeanServer();
        assertThat(server.getAttribute(name, "Draining")).isEqualTo(false);
        server.invoke(name, "startDrain", null, null);
        HttpServletResponse response = response();
        filter.doFilter(Mocks.request("/page", false), response, mock(FilterChain.class));
        verify(response).setHeader("Connection", "close");
        assertThat(server.getAttribute(name, "DrainReason")).isEqualTo("startDrain operation");
        server.invoke(name, "cancelDrain", null, null);
        assertThat(server.getAttribute(name, "Draining")).isEqualTo(false);
    }

    @Test
    void destroyWaitsForRequestsInFlightIncludingAsyncOnes() throws Exception
    {
        start(Map.of("drain-timeout-ms", "30000"));
        CountDownLatch inChain = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> sync = executor.submit(() ->
        {
            filter.doFilter(Mocks.request("/slow", false), response(), (req, res) ->
            {
                inChain.countDown();
                try
                {
                    release.await(30, TimeUnit.SECONDS);
                }
                catch (InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
            });
            return null;
        });
        assertThat(inChain.await(5, TimeUnit.SECONDS)).isTrue();
        HttpServletRequest asyncRequest = Mocks.request("/async", true);
        AsyncContext asyncContext = mock(AsyncContext.class);
        when(asyncRequest.startAsync()).thenReturn(asyncContext);
        when(asyncRequest.isAsyncStarted()).thenReturn(true);
        filter.doFilter(asyncRequest, response(), (req, res) -> ((HttpServletRequest)req).startAsync());
        ArgumentCaptor<AsyncListener> listener = ArgumentCaptor.forClass(AsyncListener.class);
        verify(asyncContext).addListener(listener.capture());
        assertThat(filter.getDrainState().getInFlight()).isEqualTo(2);

        Future<?> destroy = executor.submit(() -> filter.destroy());
        await().atMost(5, TimeUnit.SECONDS).until(() -> filter.getDrainState().isDraining());
        await().during(300, TimeUnit.MILLISECONDS).atMost(5, TimeUnit.SECONDS).until(() -> !destroy.isDone());
        release.countDown();
        sync.get(5, TimeUnit.SECONDS);
        await().during(200, TimeUnit.MILLISECONDS).atMost(5, TimeUnit.SECONDS).until(() -> !destroy.isDone());
        listener.getValue().onComplete(new AsyncEvent(asyncContext));
        destroy.get(5, TimeUnit.SECONDS);
        assertThat(filter.getDrainState().getInFlight()).isZero();
        filter = null;
    }

    @Test
    void destroyGivesUpAfterTheTimeoutAndTheListenerSharesTheDeadline() throws Exception
    {
        start(Map.of("drain-timeout-ms", "200"));
        HttpServletRequest asyncRequest = Mocks.request("/async", true);
        AsyncContext asyncContext = mock(AsyncContext.class);
        when(asyncRequest.startAsync()).thenReturn(asyncContext);
        when(asyncRequest.isAsyncStarted()).thenReturn(true);
        filter.doFilter(asyncRequest, response(), (req, res) -> ((HttpServletRequest)req).startAsync());
        long start = System.nanoTime();
        filter.destroy();
        new DrainListener().contextDestroyed(new jakarta.servlet.ServletContextEvent(context));
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(elapsedMs).as("one deadline for both waits (generous bound)").isBetween(150L, 5000L);
        assertThat(filter.getDrainState().getInFlight()).isEqualTo(1);
        assertThat(Mocks.mbeans("Drain", "drainunit")).isEmpty();
        filter = null;
    }
}
