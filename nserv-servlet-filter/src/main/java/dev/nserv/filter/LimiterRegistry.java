package dev.nserv.filter;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

import javax.management.ObjectName;

import jakarta.servlet.ServletException;

/**
 * The limiters of this class loader, each with its MBean and a count of the filters using it. A limiter named
 * by the filter's {@code limiter-name} is shared: the first filter with that name creates it, later ones join,
 * the last one to leave closes it and unregisters the MBean. A limiter without an explicit name belongs to one
 * filter of one context instance and is never shared, so two live copies of one webapp (a hot redeploy, a
 * parallel deployment) never share a limiter by accident. Filters of several webapps share a named limiter only
 * if they load this class from one class loader (the jar in the container's shared lib); a jar in each
 * WEB-INF/lib gives each webapp its own registry, and each copy its own limiter and MBean.
 */
final class LimiterRegistry
{
    private static final Map<String, Entry> SHARED = new HashMap<>();
    private static final Map<Limiter, Entry> ALL = new IdentityHashMap<>();

    private LimiterRegistry()
    {
    }

    /**
     * Joins, or creates, the shared limiter of that name.
     * @param explicit true if the caller set limiter settings of its own (init-params or programmatic); such
     *     settings must agree with those of the existing limiter, while a caller without any simply joins
     */
    static synchronized Limiter join(String name, ConcurrencyLimitSettings settings, boolean explicit, String filterName) throws ServletException
    {
        Entry entry = SHARED.get(name);
        if (entry != null)
        {
            if (explicit && !entry.settings.sameLimiter(settings))
                throw new ServletException("filter '" + filterName + "': limiter '" + name + "' is already in use with settings [" + entry.settings +
                    "] and this filter asks for [" + settings + "]: give the filter another init-param 'limiter-name', or the same settings");
            entry.users++;
            entry.limiter.setShared(true);
            return entry.limiter;
        }
        entry = create(name, settings, true);
        SHARED.put(name, entry);
        return entry.limiter;
    }

    /** Creates a limiter for one filter alone (no explicit limiter-name). */
    static synchronized Limiter own(String name, ConcurrencyLimitSettings settings) throws ServletException
    {
        return create(name, settings, false).limiter;
    }

    private static Entry create(String name, ConcurrencyLimitSettings settings, boolean shared) throws ServletException
    {
        Limiter limiter = new Limiter(name, settings);
        ObjectName objectName = settings.isJmx() ? ConcurrencyLimitJmx.register(limiter) : null;
        Entry entry = new Entry(limiter, new ConcurrencyLimitSettings(settings), objectName, shared);
        ALL.put(limiter, entry);
        return entry;
    }

    static synchronized void leave(Limiter limiter)
    {
        Entry entry = ALL.get(limiter);
        if (entry == null)
            return;
        if (--entry.users > 0)
        {
            limiter.setShared(entry.users > 1);
            return;
        }
        ALL.remove(limiter);
        if (entry.shared)
            SHARED.remove(limiter.getName());
        limiter.close();
        Jmx.unregister(entry.objectName);
    }

    /** @return the limiter's MBean name, null if it has none */
    static synchronized ObjectName objectName(Limiter limiter)
    {
        Entry entry = ALL.get(limiter);
        return entry == null ? null : entry.objectName;
    }

    /** @return the filters using the shared limiter of that name */
    static synchronized int users(String name)
    {
        Entry entry = SHARED.get(name);
        return entry == null ? 0 : entry.users;
    }

    private static final class Entry
    {
        final Limiter limiter;
        final ConcurrencyLimitSettings settings;
        final ObjectName objectName;
        final boolean shared;
        int users = 1;

        Entry(Limiter limiter, ConcurrencyLimitSettings settings, ObjectName objectName, boolean shared)
        {
            this.limiter = limiter;
            this.settings = settings;
            this.objectName = objectName;
            this.shared = shared;
        }
    }
}
