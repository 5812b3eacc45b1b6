package dev.nserv.filter;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;

import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.lenient;
import static org.mockito.Mockito.mock;

/** Mockito stand-ins for the servlet objects the filters read. */
final class Mocks
{
    private Mocks()
    {
    }

    static ServletContext context(String contextPath)
    {
        ServletContext context = mock(ServletContext.class);
        Map<String, Object> attributes = new ConcurrentHashMap<>();
        lenient().when(context.getContextPath()).thenReturn(contextPath);
        lenient().when(context.getAttribute(anyString())).thenAnswer(i -> attributes.get(i.<String>getArgument(0)));
        lenient().doAnswer(i -> attributes.put(i.getArgument(0), i.getArgument(1))).when(context).setAttribute(anyString(), org.mockito.ArgumentMatchers.any());
        return context;
    }

    static FilterConfig config(ServletContext context, String filterName, Map<String, String> params)
    {
        FilterConfig config = mock(FilterConfig.class);
        Map<String, String> copy = new HashMap<>(params);
        lenient().when(config.getFilterName()).thenReturn(filterName);
        lenient().when(config.getServletContext()).thenReturn(context);
        lenient().when(config.getInitParameter(anyString())).thenAnswer(i -> copy.get(i.<String>getArgument(0)));
        lenient().when(config.getInitParameterNames()).thenAnswer(i -> Collections.enumeration(copy.keySet()));
        return config;
    }

    /** A real output stream: Mockito's inline mock maker cannot instrument ServletOutputStream on Java 25. */
    static ServletOutputStream outputStream()
    {
        return new ServletOutputStream()
        {
            private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

            @Override
            public boolean isReady()
            {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener)
            {
                throw new UnsupportedOperationException("blocking test stream");
            }

            @Override
            public void write(int b)
            {
                bytes.write(b);
            }

            @Override
            public String toString()
            {
                return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
        };
    }

    static HttpServletRequest request(String servletPath, boolean asyncSupported)
    {
        HttpServletRequest request = mock(HttpServletRequest.class);
        Map<String, Object> attributes = new HashMap<>();
        lenient().when(request.getServletPath()).thenReturn(servletPath);
        lenient().when(request.getDispatcherType()).thenReturn(jakarta.servlet.DispatcherType.REQUEST);
        lenient().when(request.isAsyncSupported()).thenReturn(asyncSupported);
        lenient().when(request.getAttribute(anyString())).thenAnswer(i -> attributes.get(i.<String>getArgument(0)));
        doAnswer(i -> attributes.put(i.getArgument(0), i.getArgument(1))).when(request).setAttribute(anyString(), org.mockito.ArgumentMatchers.any());
        return request;
    }

    /** @return the MBeans of this module with that type and name, every instance */
    static java.util.Set<javax.management.ObjectName> mbeans(String type, String name) throws javax.management.MalformedObjectNameException
    {
        return java.lang.management.ManagementFactory.getPlatformMBeanServer()
            .queryNames(new javax.management.ObjectName("dev.nserv.filter:type=" + type + ",name=" + name + ",*"), null);
    }

    /** @return the one MBean of this module with that type and name; fails if there is none or more than one */
    static javax.management.ObjectName mbean(String type, String name) throws javax.management.MalformedObjectNameException
    {
        java.util.Set<javax.management.ObjectName> found = mbeans(type, name);
        if (found.size() != 1)
            throw new AssertionError("expected one MBean of type " + type + " named " + name + ", found " + found);
        return found.iterator().next();
    }
}
