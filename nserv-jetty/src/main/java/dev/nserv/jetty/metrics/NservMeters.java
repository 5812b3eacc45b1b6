package dev.nserv.jetty.metrics;

import java.util.concurrent.TimeUnit;

import dev.nserv.jetty.DrainHandler;
import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.ThrottledServerConnector;
import dev.nserv.jetty.handoff.RestartHistory;
import dev.nserv.jetty.handoff.Restarter;
import dev.nserv.jetty.sockets.ListenerNames;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.eclipse.jetty.server.Server;

/**
 * nserv's own series, read from the server's components at each scrape (no bookkeeping on the request path):
 * the generation, each throttled connector's connections, limit, waiting acceptors and shed clients (tag
 * {@code connector}), the restarts of this line of generations by outcome ({@link RestartHistory}), the requests in
 * flight, and whether this generation is ready or draining. Bound when the server starts, so that every bean
 * (the {@link Restarter} included) is in place; a server without an {@link NservServer} or a Restarter still
 * shows every series, with the values a plain server has (generation 1, no restarts).
 */
final class NservMeters implements MeterBinder
{
    private final Server server;
    // FunctionCounter and FunctionTimer keep weak references: these keep the history alive as long as the meters
    private RestartHistory history;

    NservMeters(Server server)
    {
        this.server = server;
    }

    @Override
    public void bindTo(MeterRegistry registry)
    {
        NservServer nserv = server.getBean(NservServer.class);
        DrainHandler drain = server.getDescendant(DrainHandler.class);
        Restarter restarter = server.getBean(Restarter.class);
        history = restarter != null ? restarter.getHistory() : new RestartHistory();

        Gauge.builder("nserv.generation", () -> nserv != null ? nserv.getGeneration() : 1)
            .description("Generation of this process: 1 for the first, one more per restart").strongReference(true).register(registry);
        Gauge.builder("nserv.ready", () -> nserv != null && nserv.isReady() ? 1 : 0)
            .description("1 while the readiness probe answers 200").strongReference(true).register(registry);
        Gauge.builder("nserv.draining", () -> nserv != null ? (nserv.isStopping() ? 1 : 0) : (drain != null && drain.isDraining() ? 1 : 0))
            .description("1 once this generation's graceful stop has begun (after a restart's commit, or a stop)").strongReference(true).register(registry);
        Gauge.builder("nserv.requests.in.flight", () -> drain != null ? drain.getRequestsInFlight() : 0)
            .description("Requests being handled by the webapps now (probes and scrapes excluded)").strongReference(true).register(registry);

        for (ListenerNames.Named named : ListenerNames.of(server))
        {
            if (!(named.connector() instanceof ThrottledServerConnector connector))
                continue;
            String name = named.name();
            Gauge.builder("nserv.connections.active", connector, ThrottledServerConnector::getActiveConnections).tag("connector", name)
                .description("Open connections of the connector").strongReference(true).register(registry);
            Gauge.builder("nserv.connections.max", connector, ThrottledServerConnector::getMaxConnections).tag("connector", name)
                .description("The connector's connection limit (changes live with ctl limit or JMX)").strongReference(true).register(registry);
            Gauge.builder("nserv.connections.waiting", connector, ThrottledServerConnector::getWaitingAcceptors).tag("connector", name)
                .description("Acceptor threads waiting for a free slot: above 0, the limit is reached and new clients wait in the kernel backlog")
                .strongReference(true).register(registry);
            FunctionCounter.builder("nserv.connections.shed", connector, ThrottledServerConnector::getShedConnections).tag("connector", name)
                .description("Connections shed (503 and close) because the limit was reached").register(registry);
            FunctionCounter.builder("nserv.connections.accepted", connector, ThrottledServerConnector::getAcceptedConnections).tag("connector", name)
                .description("Connections accepted, shed ones included").register(registry);
        }

        FunctionCounter.builder("nserv.restarts", history, RestartHistory::committed).tag("outcome", "committed")
            .description("Restarts of this line of generations, by outcome (carried to each successor)").register(registry);
        FunctionCounter.builder("nserv.restarts", history, RestartHistory::rolledBack).tag("outcome", "rolled_back")
            .description("Restarts of this line of generations, by outcome (carried to each successor)").register(registry);
        FunctionTimer.builder("nserv.restart.duration", history, RestartHistory::committed, h -> h.committedTime().toNanos(), TimeUnit.NANOSECONDS)
            .tag("outcome", "committed").description("Time from a restart's start to its commit or roll back").register(registry);
        FunctionTimer.builder("nserv.restart.duration", history, RestartHistory::rolledBack, h -> h.rolledBackTime().toNanos(), TimeUnit.NANOSECONDS)
            .tag("outcome", "rolled_back").description("Time from a restart's start to its commit or roll back").register(registry);
    }
}
