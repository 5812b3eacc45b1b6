package dev.nserv.filter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

/**
 * Strict reading of a filter's init-params: every failure is a {@link ServletException} naming the filter,
 * the init-param and the bad value, so a misconfigured webapp fails to start with a useful message.
 *
 * <p>A value may be a placeholder {@code ${key}} or {@code ${key:default}}: it resolves to the system property
 * {@code key}, else the context-param {@code key}, else the default. That lets one web.xml take its limit
 * from the deployment ({@code -Dkey=...} or a container's context-param override).</p>
 */
final class InitParams
{
    private final String filterName;
    private final FilterConfig config;
    private final ServletContext context;

    InitParams(FilterConfig config)
    {
        this.filterName = config.getFilterName();
        this.config = config;
        this.context = config.getServletContext();
    }

    /**
     * Fails on an init-param this filter does not know, so a typo does not silently leave a default in place.
     */
    void rejectUnknown(Set<String> known) throws ServletException
    {
        List<String> names = config.getInitParameterNames() == null ? List.of() : Collections.list(config.getInitParameterNames());
        List<String> unknown = new ArrayList<>();
        for (String name : names)
        {
            if (!known.contains(name))
                unknown.add("'" + name + "'");
        }
        if (!unknown.isEmpty())
            throw new ServletException("filter '" + filterName + "': unknown init-param " + String.join(", ", unknown) + "; known init-params are " + new TreeSet<>(known));
    }

    /** @return the resolved value, trimmed, or null if the init-param is absent */
    String string(String name) throws ServletException
    {
        String raw = config.getInitParameter(name);
        if (raw == null)
            return null;
        String value = raw.trim();
        if (value.startsWith("${") && value.endsWith("}"))
        {
            String body = value.substring(2, value.length() - 1);
            int colon = body.indexOf(':');
            String key = (colon < 0 ? body : body.substring(0, colon)).trim();
            String dflt = colon < 0 ? null : body.substring(colon + 1).trim();
            if (key.isEmpty())
                throw fail(name, raw, "the placeholder names no key; write ${key} or ${key:default}");
            String resolved = System.getProperty(key);
            if (resolved == null && context != null)
                resolved = context.getInitParameter(key);
            if (resolved == null)
                resolved = dflt;
            if (resolved == null)
                throw fail(name, raw, "neither system property nor context-param '" + key + "' is set and the placeholder has no default");
            value = resolved.trim();
        }
        return value;
    }

    int integer(String name, int dflt, int min) throws ServletException
    {
        String value = string(name);
        if (value == null)
            return dflt;
        int parsed;
        try
        {
            parsed = Integer.parseInt(value);
        }
        catch (NumberFormatException e)
        {
            throw fail(name, value, "it is not an integer");
        }
        if (parsed < min)
            throw fail(name, value, "it must be " + min + " or more");
        return parsed;
    }

    long longValue(String name, long dflt, long min) throws ServletException
    {
        String value = string(name);
        if (value == null)
            return dflt;
        long parsed;
        try
        {
            parsed = Long.parseLong(value);
        }
        catch (NumberFormatException e)
        {
            throw fail(name, value, "it is not an integer");
        }
        if (parsed < min)
            throw fail(name, value, "it must be " + min + " or more");
        return parsed;
    }

    double decimal(String name, double dflt) throws ServletException
    {
        String value = string(name);
        if (value == null)
            return dflt;
        try
        {
            return Double.parseDouble(value);
        }
        catch (NumberFormatException e)
        {
            throw fail(name, value, "it is not a number");
        }
    }

    boolean bool(String name, boolean dflt) throws ServletException
    {
        String value = string(name);
        if (value == null)
            return dflt;
        if ("true".equalsIgnoreCase(value))
            return true;
        if ("false".equalsIgnoreCase(value))
            return false;
        throw fail(name, value, "use true or false");
    }

    /** Wraps a setter's {@link IllegalArgumentException} into a ServletException naming the init-param. */
    void apply(String name, Runnable setter) throws ServletException
    {
        try
        {
            setter.run();
        }
        catch (IllegalArgumentException e)
        {
            ServletException failure = new ServletException("filter '" + filterName + "': init-param '" + name + "': " + e.getMessage());
            failure.initCause(e);
            throw failure;
        }
    }

    ServletException fail(String name, String value, String why)
    {
        return new ServletException("filter '" + filterName + "': init-param '" + name + "' has bad value '" + value + "': " + why);
    }
}
