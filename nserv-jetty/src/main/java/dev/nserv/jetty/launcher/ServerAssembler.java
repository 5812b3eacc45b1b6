package dev.nserv.jetty.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

import dev.nserv.jetty.DrainingDeployer;
import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.metrics.AdminConnector;
import dev.nserv.jetty.metrics.MetricsEndpoint;
import dev.nserv.jetty.RedeployDrainingContexts;
import dev.nserv.jetty.RequestHeaderDeadline;
import dev.nserv.jetty.SocketActivationConnector;
import dev.nserv.jetty.TcpKeepAlive;
import dev.nserv.jetty.ThrottledServerConnector;
import dev.nserv.jetty.logging.AccessLogs;
import dev.nserv.jetty.logging.LogSettings;
import dev.nserv.jetty.logging.XmlLogFormat;
import dev.nserv.jetty.websocket.WebSocketCloser;
import dev.nserv.jetty.session.PersistentSessions;
import dev.nserv.jetty.warmup.WarmUp;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.deploy.DeploymentScanner;
import org.eclipse.jetty.ee10.webapp.Configurations;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.jmx.MBeanContainer;
import org.eclipse.jetty.server.CustomRequestLog;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.component.Environment;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.xml.XmlConfiguration;

/**
 * Turns {@link LauncherOptions} into a configured, not yet started {@link NservServer}: connectors, webapps,
 * then the {@code --config} XML files in order ({@link #enableJmx} adds JMX once it runs). The XML files see these objects by id -- {@code Server},
 * {@code NservServer}, {@code ProbeHandler}, {@code DrainHandler}, {@code ConnectionDrainer}, {@code RequestHeaderDeadline},
 * {@code WebSocketCloser}, {@code Sessions}, {@code WarmUp} (the successor's {@link WarmUp}), {@code Logs}, {@code Contexts},
 * {@code httpConnector}, {@code httpsConnector} (when HTTPS is on), {@code httpKeepAlive} and {@code httpsKeepAlive}
 * (each connector's {@link TcpKeepAlive}) -- and the flags as properties named {@code nserv.*}.
 */
final class ServerAssembler
{
    static final String DEMO_WAR_RESOURCE = "nserv-demo.war";
    static final String HTTP = "http";
    static final String HTTPS = "https";

    private final LauncherOptions options;

    ServerAssembler(LauncherOptions options)
    {
        this.options = options;
    }

    NservServer assemble() throws Exception
    {
        QueuedThreadPool threadPool = new QueuedThreadPool();
        threadPool.setName("nserv");
        // Jetty evicts 1 idle thread per idle timeout (60 s) by default: after a burst to 200 threads the pool took
        // over 3 hours to shrink back; this way every thread idle for 60 s may go (RELIABILITY.md).
        threadPool.setMaxEvictCount(threadPool.getMaxThreads());
        Server server = new Server(threadPool);

        RedeployDrainingContexts contexts = new RedeployDrainingContexts();
        contexts.setRedeployDrainTimeout(options.drainTimeout.toMillis());
        NservServer nserv = new NservServer(server);
        nserv.setHandler(contexts);
        nserv.setDrainTimeout(Math.max(1, options.drainTimeout.toMillis()));
        nserv.setPreDrainDelay(options.preDrainDelay.toMillis());
        if (options.stopDeadline != null)
            nserv.setStopDeadline(options.stopDeadline.toMillis());
        nserv.getProbeHandler().setReadinessPath(options.readinessPath);
        nserv.getProbeHandler().setLivenessPath(options.livenessPath);

        HttpConfiguration httpConfig = new HttpConfiguration();
        httpConfig.setSendServerVersion(false);
        httpConfig.setSendXPoweredBy(false);
        httpConfig.setHttpCompliance(HttpComplianceModes.parse(options.httpCompliance));
        if (options.httpsPort != null)
        {
            httpConfig.setSecureScheme("https");
            httpConfig.setSecurePort(options.httpsPort);
        }
        SocketActivationConnector http = new SocketActivationConnector(server, options.acceptors, -1,
            new HttpConnectionFactory(httpConfig), new HTTP2CServerConnectionFactory(httpConfig));
        configure(http, HTTP, options.port);
        server.addConnector(http);

        Map<String, Object> ids = new HashMap<>();
        ids.put("Server", server);
        ids.put("NservServer", nserv);
        ids.put("ProbeHandler", nserv.getProbeHandler());
        ids.put("DrainHandler", nserv.getDrainHandler());
        ids.put("ConnectionDrainer", nserv.getConnectionDrainer());
        ids.put("Contexts", contexts);
        WebSocketCloser webSocketCloser = new WebSocketCloser(server);
        webSocketCloser.setCloseWindow(options.websocketCloseWindow.toMillis());
        server.addBean(webSocketCloser);
        ids.put("WebSocketCloser", webSocketCloser);
        ids.put("httpConnector", http);
        ids.put("httpKeepAlive", http.getBean(TcpKeepAlive.class));

        if (options.httpsPort != null)
        {
            HttpConfiguration httpsConfig = new HttpConfiguration(httpConfig);
            httpsConfig.addCustomizer(new SecureRequestCustomizer());
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
            alpn.setDefaultProtocol("http/1.1");
            SslConnectionFactory tls = new SslConnectionFactory(sslContextFactory(), alpn.getProtocol());
            SocketActivationConnector https = new SocketActivationConnector(server, options.acceptors, -1,
                tls, alpn, new HTTP2ServerConnectionFactory(httpsConfig), new HttpConnectionFactory(httpsConfig));
            configure(https, HTTPS, options.httpsPort);
            server.addConnector(https);
            ids.put("httpsConnector", https);
            ids.put("httpsKeepAlive", https.getBean(TcpKeepAlive.class));
        }

        RequestHeaderDeadline headerDeadline = new RequestHeaderDeadline(server);
        headerDeadline.setTimeout(options.requestHeaderTimeout.toMillis());
        headerDeadline.setTimeoutAtLimit(options.requestHeaderTimeoutAtLimit.toMillis());
        server.addBean(headerDeadline);
        ids.put("RequestHeaderDeadline", headerDeadline);

        enableWebappFeatures(server);
        if (options.webapps != null)
            addDeploymentScanner(server, contexts);
        else
            contexts.addHandler(demoWebApp());

        WarmUp warmUp = new WarmUp(server);
        warmUp.setPaths(options.warmupPaths);
        warmUp.setRequests(options.warmupRequests);
        warmUp.setTime(options.warmupTime.toMillis());
        warmUp.setFailRollback(options.warmupFailRollback);
        server.addBean(warmUp);
        ids.put("WarmUp", warmUp);

        addSessions(server, ids);
        if (options.adminPort != null)
            addMetrics(server, ids);
        ids.put(XmlLogFormat.ID, new LogSettings(options.logFormat));
        if (options.accessLog != null)
        {
            CustomRequestLog accessLog = AccessLogs.create(options.accessLog, options.accessLogFormat);
            server.addBean(accessLog);
            server.setRequestLog(AccessLogs.networkOnly(accessLog));
            ids.put("AccessLog", accessLog);
        }
        applyXml(ids);
        return nserv;
    }

    /**
     * Registers every component on the platform MBeanServer. Called once the server serves: building the MBeans of
     * a few dozen beans costs about 0.2 s of start-up, which would otherwise delay the first request and a
     * successor's readiness; a bean added later is registered as it is added.
     */
    static void enableJmx(NservServer nserv)
    {
        if (nserv.getServer().getBean(MBeanContainer.class) != null)
            return; // a --config file added its own
        nserv.getServer().addBean(new MBeanContainer(ManagementFactory.getPlatformMBeanServer()));
    }

    private void configure(SocketActivationConnector connector, String name, int port)
    {
        connector.setName(name);
        connector.setHost(options.host);
        connector.setPort(port);
        connector.setMaxConnections(options.maxConnections);
        connector.setOverloadPolicy(options.overloadPolicy);
        connector.setIdleTimeout(options.idleTimeout.toMillis());
        connector.addBean(new TcpKeepAlive());
    }

    private SslContextFactory.Server sslContextFactory() throws IOException
    {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        if (options.keystore != null)
        {
            String password = options.keystorePassword != null ? options.keystorePassword : System.getenv("NSERV_KEYSTORE_PASSWORD");
            if (password == null)
                throw new IllegalArgumentException("--keystore needs a password: --keystore-password or NSERV_KEYSTORE_PASSWORD");
            ssl.setKeyStorePath(options.keystore.toAbsolutePath().toString());
            ssl.setKeyStorePassword(password);
            String lower = options.keystore.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            ssl.setKeyStoreType(lower.endsWith(".jks") ? "JKS" : "PKCS12");
        }
        else
        {
            char[] password = randomPassword();
            KeyStore store = PemKeyStore.load(options.cert, options.key, password);
            ssl.setKeyStore(store);
            ssl.setKeyStorePassword(new String(password));
        }
        return ssl;
    }

    private static char[] randomPassword()
    {
        SecureRandom random = new SecureRandom();
        char[] chars = new char[24];
        for (int i = 0; i < chars.length; i++)
            chars[i] = (char)('a' + random.nextInt(26));
        return chars;
    }

    /**
     * Gives every webapp what jetty-home's ee10 environment gives it: the configurations found by ServiceLoader
     * (annotations, JNDI, Jakarta and Jetty WebSocket, JSP; nserv.jar merges their service files) plus the JSTL tag
     * libraries of the server class path, which jetty-home finds through its container scan pattern.
     */
    static void enableWebappFeatures(Server server)
    {
        Configurations.setServerDefault(server).add(new ServerTldConfiguration());
    }

    private void addDeploymentScanner(Server server, RedeployDrainingContexts contexts)
    {
        Environment.ensure("ee10", WebAppContext.class);
        DeploymentScanner scanner = new DeploymentScanner(server, new DrainingDeployer(contexts));
        scanner.addWebappsDirectory(options.webapps.toAbsolutePath());
        scanner.setScanInterval(options.scanInterval);
        scanner.configureEnvironment("ee10").setDefaultContextHandlerClass(WebAppContext.class);
        server.addBean(scanner);
    }

    /**
     * Sessions that survive restarts, for every webapp: Jetty's session managers take the server's
     * SessionCacheFactory and SessionDataStoreFactory beans when their context starts. Added before the XML files,
     * which can change it by id ({@code Sessions}).
     */
    private void addSessions(Server server, Map<String, Object> ids)
    {
        PersistentSessions sessions = new PersistentSessions(options.sessionStore, options.stateDirectory().toString());
        server.addBean(sessions);
        ids.put("Sessions", sessions);
    }

    /** The admin port: last, in front of every handler set above; Micrometer is loaded only here. */
    private void addMetrics(Server server, Map<String, Object> ids)
    {
        MetricsEndpoint metrics = new MetricsEndpoint(server);
        metrics.setHost(options.adminHost != null ? options.adminHost : AdminConnector.DEFAULT_HOST);
        metrics.setPort(options.adminPort);
        server.addBean(metrics);
        ids.put("MetricsEndpoint", metrics);
        ids.put("adminConnector", metrics.getConnector());
    }

    private static WebAppContext demoWebApp() throws IOException
    {
        Path dir = Files.createTempDirectory("nserv-demo-");
        dir.toFile().deleteOnExit();
        Path war = dir.resolve(DEMO_WAR_RESOURCE);
        try (InputStream in = ServerAssembler.class.getResourceAsStream(DEMO_WAR_RESOURCE))
        {
            if (in == null)
                throw new IOException("the demo webapp " + DEMO_WAR_RESOURCE + " is missing from nserv.jar; rebuild with mvn package");
            Files.copy(in, war, StandardCopyOption.REPLACE_EXISTING);
        }
        war.toFile().deleteOnExit();
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setWar(war.toString());
        webapp.setThrowUnavailableOnStartupException(true);
        return webapp;
    }

    private void applyXml(Map<String, Object> ids) throws Exception
    {
        if (options.configs.isEmpty())
            return;
        Map<String, String> properties = properties();
        try (ResourceFactory.Closeable resources = ResourceFactory.closeable())
        {
            for (Path config : options.configs)
            {
                XmlConfiguration xml;
                try
                {
                    xml = new XmlConfiguration(resources.newResource(config.toAbsolutePath()));
                }
                catch (Exception x)
                {
                    throw new IllegalArgumentException("--config " + config + " is not a valid Jetty XML file: " + rootMessage(x), x);
                }
                xml.getIdMap().putAll(ids);
                xml.getProperties().putAll(properties);
                try
                {
                    xml.configure();
                }
                catch (Exception x)
                {
                    throw new IllegalArgumentException("--config " + config + " failed: " + rootMessage(x), x);
                }
                ids.putAll(xml.getIdMap());
            }
        }
    }

    private Map<String, String> properties()
    {
        Map<String, String> properties = new HashMap<>();
        if (options.host != null)
            properties.put("nserv.host", options.host);
        properties.put("nserv.port", Integer.toString(options.port));
        if (options.httpsPort != null)
            properties.put("nserv.httpsPort", Integer.toString(options.httpsPort));
        properties.put("nserv.maxConnections", Integer.toString(options.maxConnections));
        properties.put("nserv.overloadPolicy", options.overloadPolicy);
        properties.put("nserv.idleTimeout", Long.toString(options.idleTimeout.toMillis()));
        properties.put("nserv.drainTimeout", Long.toString(options.drainTimeout.toMillis()));
        properties.put("nserv.preDrainDelay", Long.toString(options.preDrainDelay.toMillis()));
        properties.put("nserv.requestHeaderTimeout", Long.toString(options.requestHeaderTimeout.toMillis()));
        properties.put("nserv.requestHeaderTimeoutAtLimit", Long.toString(options.requestHeaderTimeoutAtLimit.toMillis()));
        properties.put("nserv.websocketCloseWindow", Long.toString(options.websocketCloseWindow.toMillis()));
        properties.put("nserv.stateDir", options.stateDirectory().toString());
        properties.put("nserv.sessionStore", options.sessionStore);
        properties.put("nserv.warmupRequests", Integer.toString(options.warmupRequests));
        properties.put("nserv.warmupTime", Long.toString(options.warmupTime.toMillis()));
        if (options.adminPort != null)
            properties.put("nserv.adminPort", Integer.toString(options.adminPort));
        if (options.adminHost != null)
            properties.put("nserv.adminHost", options.adminHost);
        if (options.webapps != null)
            properties.put("nserv.webapps", options.webapps.toAbsolutePath().toString());
        properties.put("nserv.logFormat", options.logFormat.toString());
        if (options.accessLog != null)
            properties.put("nserv.accessLog", options.accessLog.toAbsolutePath().toString());
        properties.put("nserv.accessLogFormat", options.accessLogFormat);
        return properties;
    }

    static String rootMessage(Throwable x)
    {
        Throwable cause = x;
        while (cause.getCause() != null && cause.getCause() != cause)
            cause = cause.getCause();
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
