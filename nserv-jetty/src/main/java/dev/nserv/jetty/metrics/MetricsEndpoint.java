package dev.nserv.jetty.metrics;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.binder.jetty.JettyConnectionMetrics;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prometheus metrics on an admin port: adds an {@link AdminConnector} (named {@value AdminConnector#NAME}, on
 * 127.0.0.1 unless {@link #setHost} says otherwise) to the server and puts an {@link AdminHandler} in front of the
 * server's handler, which answers {@code /metrics} and the probes on that connector only. The exposition is
 * Micrometer's Prometheus registry with nserv's series ({@link NservMeters}), the filter's limiters
 * ({@link FilterLimiterMeters}), Micrometer's Jetty connection and thread-pool binders and its JVM binders.
 *
 * <p>Create it after the {@code NservServer} (whose probe and drain handlers it goes in front of) and before the
 * server starts; the server's handler must not be replaced afterwards (the start fails if it was, rather than let
 * the webapps be reached through the admin port). Micrometer is loaded only when this bean is created.</p>
 *
 * <pre>{@code
 * <Call name="addBean">
 *   <Arg>
 *     <New id="MetricsEndpoint" class="dev.nserv.jetty.metrics.MetricsEndpoint">
 *       <Arg name="server"><Ref refid="Server"/></Arg>
 *       <Set name="host"><Property name="nserv.adminHost" default="127.0.0.1"/></Set>
 *       <Set name="port"><Property name="nserv.adminPort" default="9090"/></Set>
 *     </New>
 *   </Arg>
 * </Call>
 * }</pre>
 */
@ManagedObject("Prometheus metrics and the probes on the admin port")
public class MetricsEndpoint extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    private final Server server;
    private final AdminConnector connector;
    private final AdminHandler handler;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final FilterLimiterMeters filterMeters = new FilterLimiterMeters(registry);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private boolean bound;

    /**
     * Adds the admin connector to {@code server} and puts the admin handler in front of its handler.
     * @param server the server, with its nserv handlers in place and not started
     */
    public MetricsEndpoint(@Name("server") Server server)
    {
        if (server.isStarted() || server.isStarting())
            throw new IllegalStateException("create the MetricsEndpoint before the server starts");
        this.server = server;
        connector = new AdminConnector(server);
        server.addConnector(connector);
        handler = new AdminHandler(server.getHandler(), connector, this::scrape);
        server.setHandler(handler);
    }

    /**
     * @return the admin connector, for its host, port and limit
     */
    public AdminConnector getConnector()
    {
        return connector;
    }

    /**
     * Sets the admin address.
     * @param host an address or host name; {@code null} or empty for every interface (default 127.0.0.1)
     */
    public void setHost(String host)
    {
        connector.setHost(host == null || host.isBlank() ? null : host);
    }

    /**
     * @return the configured admin address, {@code null} for every interface
     */
    @ManagedAttribute(value = "Admin address", readonly = true)
    public String getHost()
    {
        return connector.getHost();
    }

    /**
     * Sets the admin port.
     * @param port 0 to 65535, 0 for any free port (see {@link #getLocalPort()} once started)
     */
    public void setPort(int port)
    {
        connector.setPort(port);
    }

    /**
     * @return the configured admin port
     */
    public int getPort()
    {
        return connector.getPort();
    }

    /**
     * @return the port the admin connector listens on, -1 when not open
     */
    @ManagedAttribute(value = "Admin port", readonly = true)
    public int getLocalPort()
    {
        return connector.getLocalPort();
    }

    /**
     * @return the Micrometer registry, to add meters of one's own
     */
    public PrometheusMeterRegistry getRegistry()
    {
        return registry;
    }

    /**
     * @return the Prometheus text exposition of every series now
     */
    public String scrape()
    {
        filterMeters.refresh();
        return registry.scrape();
    }

    @Override
    protected void doStart() throws Exception
    {
        if (server.getDescendant(AdminHandler.class) != handler)
            throw new IllegalStateException("the server's handler was replaced after the MetricsEndpoint was created, so the admin port " +
                "would reach the webapps; create the MetricsEndpoint after the handlers are set");
        // once: the registry outlives a stop and start of the server, and binders must not bind twice
        if (!bound)
        {
            bound = true;
            new NservMeters(server).bindTo(registry);
            new JettyServerThreadPoolMetrics(server.getThreadPool(), Tags.empty()).bindTo(registry);
            JettyConnectionMetrics.addToAllConnectors(server, registry);
            new JvmMemoryMetrics().bindTo(registry);
            JvmGcMetrics gc = new JvmGcMetrics();
            gc.bindTo(registry);
            closeables.add(gc);
            new JvmThreadMetrics().bindTo(registry);
            new ClassLoaderMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
            new FileDescriptorMetrics().bindTo(registry);
        }
        super.doStart();
    }

    /**
     * Closes the JVM binders that hold listeners and the registry; the endpoint cannot serve afterwards.
     */
    @Override
    public void destroy()
    {
        for (AutoCloseable closeable : closeables)
        {
            try
            {
                closeable.close();
            }
            catch (Exception x)
            {
                // a binder that fails to close must not keep the others open
                LOG.debug("cannot close {}", closeable, x);
            }
        }
        closeables.clear();
        registry.close();
        super.destroy();
    }
}
