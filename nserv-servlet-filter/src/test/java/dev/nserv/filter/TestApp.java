package dev.nserv.filter;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A webapp defined in code, registered the same way on every container (a ServletContainerInitializer adding
 * filters by class with init-params, as web.xml would). Its servlets report to a {@link Probe}:
 * {@code /hold} blocks on the probe's gate, {@code /async} parks an AsyncContext, {@code /fast} answers at once,
 * {@code /fail} throws.
 */
final class TestApp implements ServletContainerInitializer
{
    /** What the servlets saw; shared by every app of one test. */
    static final class Probe
    {
        final CountDownLatch gate = new CountDownLatch(1);
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger maxActive = new AtomicInteger();
        final AtomicInteger entered = new AtomicInteger();
        final BlockingQueue<AsyncContext> parked = new LinkedBlockingQueue<>();
    }

    private record FilterSpec(String name, Class<? extends Filter> type, java.util.function.Supplier<Filter> instance, Map<String, String> params)
    {
    }

    final String contextPath;
    /** The version of a parallel deployment (Tomcat), also answered by {@code /who}; null for none. */
    String version;
    private final Probe probe;
    private final List<FilterSpec> filters = new ArrayList<>();
    private boolean drainListener;
    volatile ServletContext context;

    TestApp(String contextPath, Probe probe)
    {
        this.contextPath = contextPath;
        this.probe = probe;
    }

    TestApp filter(String name, Class<? extends Filter> type, Map<String, String> params)
    {
        filters.add(new FilterSpec(name, type, null, params));
        return this;
    }

    /** Registers a filter instance made per start, as {@code ServletContext.addFilter(name, filter)} does. */
    TestApp filterInstance(String name, java.util.function.Supplier<Filter> instance, Map<String, String> params)
    {
        filters.add(new FilterSpec(name, null, instance, params));
        return this;
    }

    TestApp version(String version)
    {
        this.version = version;
        return this;
    }

    TestApp drainListener()
    {
        drainListener = true;
        return this;
    }

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext ctx)
    {
        context = ctx;
        for (FilterSpec spec : filters)
        {
            FilterRegistration.Dynamic registration = spec.instance() != null ? ctx.addFilter(spec.name(), spec.instance().get()) : ctx.addFilter(spec.name(), spec.type());
            registration.setInitParameters(spec.params());
            registration.setAsyncSupported(true);
            registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
        }
        if (drainListener)
            ctx.addListener(DrainListener.class);
        servlet(ctx, "hold", new Hold(probe));
        servlet(ctx, "async", new Async(probe));
        servlet(ctx, "fast", new Fast());
        servlet(ctx, "fail", new Fail());
        servlet(ctx, "who", new Who(version == null ? contextPath : version));
        // like a deployed webapp's default servlet: Tomcat runs no filter for a URL that maps to no servlet
        ctx.addServlet("default", new Fast()).addMapping("/");
    }

    private static void servlet(ServletContext ctx, String name, Servlet servlet)
    {
        ServletRegistration.Dynamic registration = ctx.addServlet(name, servlet);
        registration.setAsyncSupported(true);
        registration.addMapping("/" + name);
    }

    private static final class Hold extends HttpServlet
    {
        private static final long serialVersionUID = 1L;
        private final transient Probe probe;

        Hold(Probe probe)
        {
            this.probe = probe;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            int now = probe.active.incrementAndGet();
            probe.maxActive.accumulateAndGet(now, Math::max);
            probe.entered.incrementAndGet();
            try
            {
                if (!probe.gate.await(30, TimeUnit.SECONDS))
                    throw new IOException("gate not opened within 30 s");
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            finally
            {
                probe.active.decrementAndGet();
            }
            String bytes = request.getParameter("bytes");
            response.setContentType("text/plain");
            OutputStream out = response.getOutputStream();
            if (bytes == null)
            {
                out.write("held\n".getBytes());
                return;
            }
            byte[] chunk = new byte[64 * 1024];
            for (long left = Long.parseLong(bytes); left > 0; left -= chunk.length)
            {
                out.write(chunk);
                out.flush();
            }
        }
    }

    private static final class Async extends HttpServlet
    {
        private static final long serialVersionUID = 1L;
        private final transient Probe probe;

        Async(Probe probe)
        {
            this.probe = probe;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response)
        {
            AsyncContext async = request.startAsync();
            String timeout = request.getParameter("timeout");
            async.setTimeout(timeout == null ? 0 : Long.parseLong(timeout));
            probe.parked.add(async);
        }
    }

    private static final class Fast extends HttpServlet
    {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            response.setContentType("text/plain");
            response.getOutputStream().write("ok\n".getBytes());
        }
    }

    /** Says which copy of the webapp answered, in the header {@code X-App} and the body. */
    private static final class Who extends HttpServlet
    {
        private static final long serialVersionUID = 1L;
        private final String name;

        Who(String name)
        {
            this.name = name;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            response.setHeader("X-App", name);
            response.setContentType("text/plain");
            response.getOutputStream().write((name + "\n").getBytes());
        }
    }

    private static final class Fail extends HttpServlet
    {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws ServletException
        {
            throw new ServletException("test failure from /fail");
        }
    }
}
