import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * The filters' own cost per request, without a container: doFilter with a chain that does nothing, on
 * hand-written request/response stubs, against calling the chain directly. Complements
 * bench/filter-bench.sh, whose end-to-end ratios on a shared 2-core machine are noisier than the effect.
 * Usage: java -cp CLASSPATH bench/FilterMicroBench.java [threads=1]
 * Prints one line per variant: thread CPU nanoseconds per call, median and minimum over the measured rounds
 * (CPU time, so that time spent descheduled on a busy machine does not count).
 */
public class FilterMicroBench
{
    static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    static final class Request extends HttpServletRequestWrapper
    {
        private final boolean async;

        Request(HttpServletRequest unused, boolean async)
        {
            super(unused);
            this.async = async;
        }

        @Override
        public DispatcherType getDispatcherType()
        {
            return DispatcherType.REQUEST;
        }

        @Override
        public boolean isAsyncSupported()
        {
            return async;
        }

        @Override
        public boolean isAsyncStarted()
        {
            return false;
        }

        @Override
        public String getServletPath()
        {
            return "/hello";
        }

        @Override
        public String getPathInfo()
        {
            return null;
        }
    }

    static final class Response extends HttpServletResponseWrapper
    {
        Response(HttpServletResponse unused)
        {
            super(unused);
        }

        @Override
        public boolean isCommitted()
        {
            return false;
        }

        @Override
        public void setHeader(String name, String value)
        {
        }
    }

    @SuppressWarnings("unchecked")
    static <T> T unusable(Class<T> type)
    {
        return (T)Proxy.newProxyInstance(FilterMicroBench.class.getClassLoader(), new Class<?>[] {type}, (p, m, a) ->
        {
            throw new UnsupportedOperationException(m.getName());
        });
    }

    static ServletContext context()
    {
        Map<String, Object> attributes = new java.util.concurrent.ConcurrentHashMap<>();
        return (ServletContext)Proxy.newProxyInstance(FilterMicroBench.class.getClassLoader(), new Class<?>[] {ServletContext.class}, (p, m, a) ->
        {
            switch (m.getName())
            {
                case "getAttribute": return attributes.get((String)a[0]);
                case "setAttribute": attributes.put((String)a[0], a[1]); return null;
                case "getContextPath": return "/bench";
                case "getInitParameter": return null;
                case "log": return null;
                default: throw new UnsupportedOperationException(m.getName());
            }
        });
    }

    static FilterConfig config(ServletContext context, String name, Map<String, String> params)
    {
        return new FilterConfig()
        {
            public String getFilterName()
            {
                return name;
            }

            public ServletContext getServletContext()
            {
                return context;
            }

            public String getInitParameter(String n)
            {
                return params.get(n);
            }

            public Enumeration<String> getInitParameterNames()
            {
                return Collections.enumeration(params.keySet());
            }
        };
    }

    interface Step
    {
        void run(HttpServletRequest request, HttpServletResponse response) throws Exception;
    }

    public static void main(String[] args) throws Exception
    {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        ServletContext context = context();
        Filter limit = new dev.nserv.filter.ConcurrencyLimitFilter();
        limit.init(config(context, "limit", Map.of("limit", "100000", "jmx", "false")));
        Filter drain = new dev.nserv.filter.DrainFilter();
        drain.init(config(context, "drain", Map.of("readiness-path", "/app-readyz", "jmx", "false")));
        LongAdder sink = new LongAdder();
        FilterChain end = (q, s) -> sink.increment();
        FilterChain toLimit = (q, s) -> limit.doFilter(q, s, end);
        Map<String, Step> variants = new java.util.LinkedHashMap<>();
        variants.put("direct (no filter)", (q, s) -> end.doFilter(q, s));
        variants.put("limit", (q, s) -> limit.doFilter(q, s, end));
        variants.put("drain", (q, s) -> drain.doFilter(q, s, end));
        variants.put("drain + limit", (q, s) -> drain.doFilter(q, s, toLimit));
        Map<String, List<Double>> results = new HashMap<>();
        HttpServletRequest unusedRequest = unusable(HttpServletRequest.class);
        HttpServletResponse unusedResponse = unusable(HttpServletResponse.class);
        int iterations = 2_000_000;
        for (boolean async : new boolean[] {false, true})
        {
            for (int round = 0; round < 8; round++)
            {
                for (Map.Entry<String, Step> v : variants.entrySet())
                {
                    Thread[] workers = new Thread[threads];
                    long[] cpuNanos = new long[threads];
                    for (int t = 0; t < threads; t++)
                    {
                        int index = t;
                        workers[t] = new Thread(() ->
                        {
                            HttpServletRequest request = new Request(unusedRequest, async);
                            HttpServletResponse response = new Response(unusedResponse);
                            // CPU time of this thread, not wall time: on a shared machine, time spent descheduled is not the filter's
                            long cpuStart = THREADS.getCurrentThreadCpuTime();
                            try
                            {
                                for (int i = 0; i < iterations; i++)
                                    v.getValue().run(request, response);
                            }
                            catch (Exception e)
                            {
                                throw new IllegalStateException(e);
                            }
                            cpuNanos[index] = THREADS.getCurrentThreadCpuTime() - cpuStart;
                        });
                        workers[t].start();
                    }
                    for (Thread w : workers)
                        w.join();
                    double ns = java.util.Arrays.stream(cpuNanos).sum() / (double)threads / iterations;
                    if (round >= 3)
                        results.computeIfAbsent(v.getKey() + (async ? " [async-supported]" : " [sync]"), k -> new ArrayList<>()).add(ns);
                }
            }
        }
        System.out.println("threads=" + threads + ", " + iterations + " calls per thread per round, 5 rounds; thread CPU ns per call: median, min");
        for (boolean async : new boolean[] {false, true})
        {
            for (String name : variants.keySet())
            {
                List<Double> xs = results.get(name + (async ? " [async-supported]" : " [sync]"));
                Collections.sort(xs);
                System.out.printf("%-40s %8.1f ns %8.1f ns%n", name + (async ? " [async-supported]" : " [sync]"), xs.get(xs.size() / 2), xs.get(0));
            }
        }
        if (sink.sum() == 0)
            throw new IllegalStateException("nothing ran");
        limit.destroy();
        drain.destroy();
    }
}
