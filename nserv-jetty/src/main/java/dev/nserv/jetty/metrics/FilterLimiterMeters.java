package dev.nserv.jetty.metrics;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * The concurrency limiters of nserv's servlet filter, read through the platform MBeanServer: the filter lives in a
 * webapp's class loader (each webapp may bundle its own copy), so no class of it is touched here -- only the MBeans
 * it registers as {@code dev.nserv.filter:type=ConcurrencyLimit,name=...,instance=...} and their numeric attributes.
 * Webapps come and go (hot deployment), so the set of limiters is looked up again before each scrape
 * ({@link #refresh}); a limiter that is gone takes its series with it. Series are tagged {@code name} (the filter's
 * name) and {@code instance} (which copy, 1 for the first).
 */
final class FilterLimiterMeters
{
    private static final ObjectName PATTERN = pattern();

    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    private final MeterRegistry registry;
    // FunctionCounter keeps a weak reference: this map keeps each limiter's name alive as long as its meters
    private final Map<ObjectName, List<Meter>> bound = new HashMap<>();

    FilterLimiterMeters(MeterRegistry registry)
    {
        this.registry = registry;
    }

    private static ObjectName pattern()
    {
        try
        {
            return new ObjectName("dev.nserv.filter:type=ConcurrencyLimit,*");
        }
        catch (MalformedObjectNameException x)
        {
            throw new IllegalStateException(x);
        }
    }

    /** Binds the limiters registered since the last call and removes the series of those gone. */
    synchronized void refresh()
    {
        Set<ObjectName> present = mbeans.queryNames(PATTERN, null);
        bound.entrySet().removeIf(entry ->
        {
            if (present.contains(entry.getKey()))
                return false;
            entry.getValue().forEach(registry::remove);
            return true;
        });
        for (ObjectName name : present)
            bound.computeIfAbsent(name, this::bind);
    }

    private List<Meter> bind(ObjectName limiter)
    {
        Tags tags = Tags.of("name", String.valueOf(limiter.getKeyProperty("name")), "instance", String.valueOf(limiter.getKeyProperty("instance")));
        return List.of(
            Gauge.builder("nserv.filter.limit", limiter, l -> read(l, "Limit")).tags(tags)
                .description("The filter's concurrency limit now (adaptive limits move)").strongReference(true).register(registry),
            Gauge.builder("nserv.filter.in.flight", limiter, l -> read(l, "InFlight")).tags(tags)
                .description("Requests holding a permit of the filter").strongReference(true).register(registry),
            Gauge.builder("nserv.filter.queued", limiter, l -> read(l, "Queued")).tags(tags)
                .description("Requests waiting for a permit").strongReference(true).register(registry),
            FunctionCounter.builder("nserv.filter.accepted", limiter, l -> read(l, "Accepted")).tags(tags)
                .description("Requests that got a permit").register(registry),
            FunctionCounter.builder("nserv.filter.rejected", limiter, l -> read(l, "Rejected")).tags(tags)
                .description("Requests rejected by the filter (limit and queue full)").register(registry),
            FunctionCounter.builder("nserv.filter.timed.out", limiter, l -> read(l, "TimedOut")).tags(tags)
                .description("Requests that waited in the queue past its timeout").register(registry));
    }

    private double read(ObjectName limiter, String attribute)
    {
        try
        {
            return mbeans.getAttribute(limiter, attribute) instanceof Number number ? number.doubleValue() : Double.NaN;
        }
        catch (JMException x)
        {
            // unregistered between the refresh and the scrape: the next refresh removes the series
            return Double.NaN;
        }
    }
}
