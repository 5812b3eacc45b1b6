package dev.nserv.jetty;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.nserv.jetty.ThrottledTestSupport.HoldingHandler;
import dev.nserv.jetty.ThrottledTestSupport.OpenConnections;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * <p>The one setup of the throttled connector tests: a server with one {@link ThrottledServerConnector} on
 * 127.0.0.1 port 0 (kernel backlog 1024, so that every waiting client fits), a {@link HoldingHandler}, an
 * {@link OpenConnections} counter independent of the connector's, and a pool of client threads; all of it is
 * stopped after each test. A test states only what it varies, then starts:</p>
 * <pre>{@code
 * @RegisterExtension
 * final ThrottledConnectorFixture fixture = new ThrottledConnectorFixture();
 *
 * ThrottledServerConnector connector = fixture.acceptors(4).maxConnections(10).clientThreads(300).start();
 * }</pre>
 * <p>Unless set: 1 acceptor, 1 selector, the connector's default limit, idle timeout and policy, no TLS, 8 client
 * threads.</p>
 */
final class ThrottledConnectorFixture implements AfterEachCallback
{
    /**
     * Builds the connector, for tests that need a subclass.
     */
    @FunctionalInterface
    interface ConnectorFactory
    {
        ThrottledServerConnector create(Server server, int acceptors, int selectors, ConnectionFactory... factories);
    }

    private final HoldingHandler handler = new HoldingHandler();
    private final OpenConnections open = new OpenConnections();
    private final List<Object> serverBeans = new ArrayList<>();
    private ConnectorFactory factory = ThrottledServerConnector::new;
    private int acceptors = 1;
    private int selectors = 1;
    private int maxConnections = ThrottledServerConnector.DEFAULT_MAX_CONNECTIONS;
    private long idleTimeout = -1;
    private OverloadPolicy overloadPolicy = OverloadPolicy.WAIT;
    private SslContextFactory.Server tls;
    private int clientThreads = 8;
    private Server server;
    private ThrottledServerConnector connector;
    private ExecutorService clients;

    ThrottledConnectorFixture acceptors(int acceptors)
    {
        this.acceptors = acceptors;
        return this;
    }

    ThrottledConnectorFixture maxConnections(int maxConnections)
    {
        this.maxConnections = maxConnections;
        return this;
    }

    /**
     * @param idleTimeout the connector's idle timeout in ms
     */
    ThrottledConnectorFixture idleTimeout(long idleTimeout)
    {
        this.idleTimeout = idleTimeout;
        return this;
    }

    ThrottledConnectorFixture overloadPolicy(OverloadPolicy overloadPolicy)
    {
        this.overloadPolicy = overloadPolicy;
        return this;
    }

    /**
     * Runs HTTP/1.1 over TLS with the key in a PKCS12 store.
     */
    ThrottledConnectorFixture tls(Path keyStore, String password)
    {
        tls = new SslContextFactory.Server();
        tls.setKeyStorePath(keyStore.toString());
        tls.setKeyStorePassword(password);
        tls.setKeyStoreType("PKCS12");
        return this;
    }

    ThrottledConnectorFixture clientThreads(int clientThreads)
    {
        this.clientThreads = clientThreads;
        return this;
    }

    ThrottledConnectorFixture connectorFactory(ConnectorFactory factory)
    {
        this.factory = factory;
        return this;
    }

    /**
     * Adds a bean to the server before it starts (an MBeanContainer, for instance).
     */
    ThrottledConnectorFixture serverBean(Object bean)
    {
        serverBeans.add(bean);
        return this;
    }

    /**
     * Builds and starts the server.
     *
     * @return the started connector
     */
    ThrottledServerConnector start() throws Exception
    {
        if (server != null)
            throw new IllegalStateException("started twice in one test");
        QueuedThreadPool threads = new QueuedThreadPool(64);
        threads.setName("throttled-test");
        server = new Server(threads);
        serverBeans.forEach(server::addBean);
        ConnectionFactory[] factories = tls == null
            ? new ConnectionFactory[]{new HttpConnectionFactory()}
            : AbstractConnectionFactory.getFactories(tls, new HttpConnectionFactory());
        connector = factory.create(server, acceptors, selectors, factories);
        connector.setHost(ThrottledTestSupport.LOCALHOST);
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        connector.setMaxConnections(maxConnections);
        connector.setOverloadPolicy(overloadPolicy);
        if (idleTimeout >= 0)
            connector.setIdleTimeout(idleTimeout);
        connector.addBean(open);
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
        clients = Executors.newFixedThreadPool(clientThreads);
        return connector;
    }

    Server server()
    {
        return server;
    }

    ThrottledServerConnector connector()
    {
        return connector;
    }

    int port()
    {
        return connector.getLocalPort();
    }

    HoldingHandler handler()
    {
        return handler;
    }

    OpenConnections open()
    {
        return open;
    }

    ExecutorService clients()
    {
        return clients;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception
    {
        handler.releaseAll();
        if (clients != null)
        {
            clients.shutdownNow();
            clients.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (server != null)
            server.stop();
    }
}
