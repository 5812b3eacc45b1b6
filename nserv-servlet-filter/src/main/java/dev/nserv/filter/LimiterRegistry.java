package dev.nserv.filter;

import java.util.HashMap;
import java.util.Map;

import javax.management.ObjectName;

import jakarta.servlet.ServletException;

/**
 * Limiters shared by name within this class loader, each with a count of the filters using it. The first user
 * creates the limiter (and its MBean); the last one to leave closes it and unregisters the MBean. Filters of
 * several webapps share a limiter only if they load this class from one class loader (the jar in the
 * container's shared lib); a jar in each WEB-INF/lib gives each webapp its own registry.
 */
final class LimiterRegistry
{
    private static final Map<String, Entry> LIMITERS = new HashMap<>();

    private LimiterRegistry()
    {
    }

    /**
     * @param explicit true if the caller set limiter settings of its own (init-params or programmatic); such
     *     settings must agree with those of the existing limiter, while a caller without any simply joins
     */
    static synchronized Limiter join(String name, ConcurrencyLimitSettings settings, boolean explicit, String filterName) throws ServletException
    {
        Entry entry = LIMITERS.get(name);
        if (entry != null)
        {
            if (explicit && !entry.settings.sameLimiter(settings))
                throw new ServletException("filter '" + filterName + "': limiter '" + name + "' is already in use with settings [" + entry.settings +
                    "] and this filter asks for [" + settings + "]: give the filter another init-param 'limiter-name', or the same settings");
            entry.users++;
            entry.limiter.setShared(true);
            return entry.limiter;
        }
        Limiter limiter = new Limiter(name, settings);
        ObjectName objectName = settings.isJmx() ? Jmx.register(limiter, ConcurrencyLimitMBean.class, "ConcurrencyLimit", name, "init-param 'limiter-name'") : null;
        LIMITERS.put(name, new Entry(limiter, new ConcurrencyLimitSettings(settings), objectName));
        return limiter;
    }

    static synchronized void leave(Limiter limiter)
    {
        Entry entry = LIMITERS.get(limiter.getName());
        if (entry == null || entry.limiter != limiter)
            return;
        if (--entry.users > 0)
        {
            entry.limiter.setShared(entry.users > 1);
            return;
        }
        LIMITERS.remove(limiter.getName());
        limiter.close();
        Jmx.unregister(entry.objectName);
    }

    static synchronized int users(String name)
    {
        Entry entry = LIMITERS.get(name);
        return entry == null ? 0 : entry.users;
    }

    private static final class Entry
    {
        final Limiter limiter;
        final ConcurrencyLimitSettings settings;
        final ObjectName objectName;
        int users = 1;

        Entry(Limiter limiter, ConcurrencyLimitSettings settings, ObjectName objectName)
        {
            this.limiter = limiter;
            this.settings = settings;
            this.objectName = objectName;
        }
    }
}
