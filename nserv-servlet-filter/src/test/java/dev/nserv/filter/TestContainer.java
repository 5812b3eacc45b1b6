package dev.nserv.filter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

/** A real servlet container on 127.0.0.1, port 0, running {@link TestApp}s. */
interface TestContainer
{
    enum Kind
    {
        JETTY, TOMCAT
    }

    /**
     * Starts the container with the apps.
     * @return the container; if an app failed to start, {@link #failedToStart()} says so
     */
    static TestContainer start(Kind kind, List<TestApp> apps) throws Exception
    {
        return kind == Kind.JETTY ? new Jetty(apps) : new Tomcat11(apps);
    }

    int port();

    /** Stops one webapp (destroys its filters and listeners); blocks until done. */
    void stopApp(TestApp app) throws Exception;

    /**
     * Deploys and starts one more webapp while the container runs, as a hot redeploy does: an app with the path
     * of a running one is started before that one is stopped (Tomcat: parallel deployment, give the apps a
     * {@link TestApp#version}; Jetty: a second context handler of the same path, after the first).
     * @throws IllegalStateException if the webapp did not start
     */
    void deploy(TestApp app) throws Exception;

    /** @return true if some app did not start */
    boolean failedToStart();

    /** @return the start failure's message chain, or an empty string */
    String failure();

    /** Stops the container and everything in it. */
    void close() throws Exception;

    final class Jetty implements TestContainer
    {
        private final Server server = new Server();
        private final ServerConnector connector = new ServerConnector(server);
        private final Map<TestApp, ServletContextHandler> handlers = new HashMap<>();
        private final ContextHandlerCollection contexts = new ContextHandlerCollection();
        private Throwable failure;

        Jetty(List<TestApp> apps) throws Exception
        {
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            for (TestApp app : apps)
                contexts.addHandler(handler(app));
            server.setHandler(contexts);
            try
            {
                server.start();
            }
            catch (Exception e)
            {
                failure = e;
            }
            for (ServletContextHandler handler : handlers.values())
            {
                if (failure == null && !handler.isAvailable())
                    failure = new IllegalStateException("context " + handler.getContextPath() + " unavailable");
            }
        }

        @Override
        public int port()
        {
            return connector.getLocalPort();
        }

        private ServletContextHandler handler(TestApp app)
        {
            ServletContextHandler handler = new ServletContextHandler(app.contextPath.isEmpty() ? "/" : app.contextPath);
            handler.addServletContainerInitializer(app);
            handlers.put(app, handler);
            return handler;
        }

        @Override
        public void stopApp(TestApp app) throws Exception
        {
            handlers.get(app).stop();
        }

        @Override
        public void deploy(TestApp app) throws Exception
        {
            // appended after the running context of the same path, which keeps answering until it is stopped
            ServletContextHandler handler = handler(app);
            contexts.addHandler(handler);
            // added to a started collection, the handler is not managed: manage it, so server.stop() stops it too
            contexts.manage(handler);
            if (!handler.isStarted())
                handler.start();
            if (!handler.isAvailable())
                throw new IllegalStateException("context " + handler.getContextPath() + " (" + app.version + ") unavailable");
        }

        @Override
        public boolean failedToStart()
        {
            return failure != null;
        }

        @Override
        public String failure()
        {
            return chain(failure);
        }

        @Override
        public void close() throws Exception
        {
            server.stop();
        }
    }

    final class Tomcat11 implements TestContainer
    {
        private final Tomcat tomcat = new Tomcat();
        private final Path baseDir;
        private final Map<TestApp, Context> contexts = new HashMap<>();
        private Throwable failure;

        Tomcat11(List<TestApp> apps) throws Exception
        {
            baseDir = Files.createTempDirectory("nserv-filter-tomcat");
            tomcat.setBaseDir(baseDir.toString());
            Connector connector = new Connector();
            connector.setPort(0);
            connector.setProperty("address", "127.0.0.1");
            tomcat.setConnector(connector);
            for (TestApp app : apps)
                tomcat.getHost().addChild(context(app));
            // Tomcat logs a filter's init failure and marks the context FAILED: capture the log record's exception
            java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
            java.util.logging.Handler capture = new java.util.logging.Handler()
            {
                @Override
                public void publish(java.util.logging.LogRecord record)
                {
                    if (failure == null && record.getThrown() != null)
                        failure = record.getThrown();
                }

                @Override
                public void flush()
                {
                }

                @Override
                public void close()
                {
                }
            };
            root.addHandler(capture);
            try
            {
                tomcat.start();
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                root.removeHandler(capture);
            }
            boolean allStarted = true;
            for (Context context : contexts.values())
                allStarted &= context.getState() == LifecycleState.STARTED;
            if (allStarted)
                failure = null;
            for (Context context : contexts.values())
            {
                if (failure == null && context.getState() != LifecycleState.STARTED)
                    failure = new IllegalStateException("context '" + context.getPath() + "' is " + context.getState());
            }
        }

        // what Tomcat.addContext does, plus the version of a parallel deployment (name "<path>##<version>")
        private Context context(TestApp app) throws IOException
        {
            Path docBase = Files.createDirectories(baseDir.resolve("doc" + contexts.size()));
            org.apache.catalina.core.StandardContext context = new org.apache.catalina.core.StandardContext();
            context.setPath(app.contextPath);
            context.setName(app.version == null ? app.contextPath : app.contextPath + "##" + app.version);
            if (app.version != null)
                context.setWebappVersion(app.version);
            context.setDocBase(docBase.toString());
            context.addLifecycleListener(new Tomcat.FixContextListener());
            context.addServletContainerInitializer(app, null);
            // the leak detectors need --add-opens and only warn about it
            context.setClearReferencesThreadLocals(false);
            context.setClearReferencesRmiTargets(false);
            contexts.put(app, context);
            return context;
        }

        @Override
        public void deploy(TestApp app) throws Exception
        {
            // adding a child to a started host starts it; the mapper sends new requests to the newest version
            Context context = context(app);
            tomcat.getHost().addChild(context);
            if (context.getState() != LifecycleState.STARTED)
                throw new IllegalStateException("context '" + context.getName() + "' is " + context.getState());
        }

        @Override
        public int port()
        {
            return tomcat.getConnector().getLocalPort();
        }

        @Override
        public void stopApp(TestApp app) throws Exception
        {
            contexts.get(app).stop();
        }

        @Override
        public boolean failedToStart()
        {
            return failure != null;
        }

        @Override
        public String failure()
        {
            return chain(failure);
        }

        @Override
        public void close() throws Exception
        {
            try
            {
                tomcat.stop();
                tomcat.destroy();
            }
            finally
            {
                try (Stream<Path> files = Files.walk(baseDir))
                {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
                catch (IOException e)
                {
                    // temporary files only
                }
            }
        }
    }

    private static String chain(Throwable failure)
    {
        StringBuilder out = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause())
            out.append(t).append(" | ");
        return out.toString();
    }
}
