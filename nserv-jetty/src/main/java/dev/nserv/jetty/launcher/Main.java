package dev.nserv.jetty.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.ProcessEnvironment;
import dev.nserv.jetty.Signals;
import dev.nserv.jetty.StartPhases;
import dev.nserv.jetty.ctl.ControlSocketParticipant;
import dev.nserv.jetty.ctl.Ctl;
import dev.nserv.jetty.handoff.ClassDataArchives;
import dev.nserv.jetty.handoff.RestartOptions;
import dev.nserv.jetty.handoff.RestartSupport;
import dev.nserv.jetty.logging.XmlLogFormat;
import dev.nserv.jetty.metrics.AdminConnector;
import dev.nserv.jetty.sockets.LibC;
import dev.nserv.jetty.warmup.WarmUp;
import dev.nserv.jetty.warmup.WarmUpParticipant;
import dev.nserv.jetty.websocket.WebSocketCloser;
import dev.nserv.jetty.websocket.WebSocketRestartParticipant;
import dev.nserv.jetty.supervise.SupervisorLink;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar nserv.jar}: the bundled server. A thin user of {@link NservServer}: parse the flags, assemble the
 * server, start it, then wait; SIGTERM and SIGINT start the graceful exit, after which the process exits 0.
 * Every configuration error is one line on stderr, {@code nserv: error: ...}, and a non-zero exit, before anything is
 * served. {@code java -jar nserv.jar ctl ...} talks to a running server instead.
 */
public final class Main
{
    /** Exit code for a bad command line. */
    static final int EXIT_USAGE = 2;
    /** Exit code for a server that could not start. */
    static final int EXIT_START_FAILED = 1;

    private Main()
    {
    }

    /**
     * Entry point.
     * @param args command line
     */
    public static void main(String[] args)
    {
        if (args.length > 0 && args[0].equals("ctl"))
            System.exit(Ctl.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the server until it has stopped.
     * @param args command line
     * @param out standard output
     * @param err standard error
     * @return the process exit code
     */
    static int run(String[] args, PrintStream out, PrintStream err)
    {
        LauncherOptions options;
        try
        {
            options = LauncherOptions.parseUnchecked(args);
        }
        catch (IllegalArgumentException x)
        {
            err.println("nserv: error: " + x.getMessage());
            err.println("Try 'java -jar nserv.jar --help'.");
            return EXIT_USAGE;
        }
        if (options.helpRequested)
        {
            out.print(options.usage());
            return 0;
        }
        if (options.versionRequested)
        {
            for (String line : version())
                out.println(line);
            return 0;
        }

        try
        {
            // jetty.xml may set the format too; it must be known before the first logger, long before the files run
            options.logFormatFlag = options.logFormat;
            options.logFormat = XmlLogFormat.find(options.configs).orElse(options.logFormat);
        }
        catch (IllegalArgumentException x)
        {
            err.println("nserv: error: " + x.getMessage());
            return EXIT_USAGE;
        }
        // Before any logger exists (validation loads Jetty classes that log): whole-line standard streams (with the
        // --log-file copy), then the backend. Errors until the server is assembled still go to the plain stderr.
        PrintStream plainErr = err;
        boolean standardStreams = out == System.out && err == System.err;
        try
        {
            // a test running the launcher in its own JVM passes its own streams: its logging stays as it is
            if (standardStreams || options.logFile != null)
            {
                dev.nserv.jetty.logging.Logs.start(options.logFormat, options.logFile, ProcessHandle.current().pid(), dev.nserv.jetty.Generation.inherited());
                if (standardStreams)
                {
                    out = System.out;
                    err = System.err;
                }
            }
        }
        catch (IOException | RuntimeException x)
        {
            plainErr.println("nserv: error: " + describe(x));
            return EXIT_START_FAILED;
        }
        if (ProcessEnvironment.isStandby())
        {
            // a standby successor: load ahead, then wait for the restart; nothing below may run before it
            Map<String, String> env;
            try
            {
                env = StandbyGate.await(System.in, Main.class.getClassLoader(), out);
            }
            catch (IOException | StandbyGate.StandbyException x)
            {
                plainErr.println("nserv: error: " + x.getMessage());
                return EXIT_START_FAILED;
            }
            if (env == null)
            {
                // No longer wanted. It ends here, before the JVM's own exit work: a standby that was to write the
                // class-data archive (or, on Java 25, assemble the AOT cache) would spend ~2 s of CPU on it at exit,
                // and its generation's stop would wait for that. It served nothing, so there is nothing to keep.
                out.flush();
                plainErr.flush();
                System.out.flush();
                System.err.flush();
                LibC.INSTANCE._exit(0);
            }
            ProcessEnvironment.useStandbyEnvironment(env);
        }
        try
        {
            options.validate();
        }
        catch (IllegalArgumentException x)
        {
            plainErr.println("nserv: error: " + x.getMessage());
            plainErr.println("Try 'java -jar nserv.jar --help'.");
            return EXIT_USAGE;
        }

        NservServer nserv;
        try
        {
            if (options.supervise)
                return SupervisedLaunch.run(options, out, err);
            nserv = new ServerAssembler(options).assemble();
            RestartSupport support = RestartSupport.install(nserv, restartOptions(options))
                .addParticipant(new WarmUpParticipant(nserv.getServer().getBean(WarmUp.class), options.readyTimeout))
                .addParticipant(new ControlSocketParticipant(options.controlSocket))
                .addParticipant(new WebSocketRestartParticipant(nserv.getServer().getBean(WebSocketCloser.class)));
            SupervisorLink.fromEnvironment(ProcessEnvironment.get()).ifPresent(support::addParticipant);
            nserv.getServer().addBean(new StartPhases.ContextTimes());
            StartPhases.mark(StartPhases.LAUNCHER);
            nserv.start();
            ServerAssembler.enableJmx(nserv);
            StartPhases.log();
        }
        catch (Throwable x)
        {
            err.println("nserv: error: " + describe(x));
            LoggerFactory.getLogger(Main.class).debug("start failed", x);
            return EXIT_START_FAILED;
        }

        Runnable stop = () ->
        {
            if (!nserv.stop())
                LoggerFactory.getLogger(Main.class).info("already stopping; the drain goes on (SIGKILL aborts it)");
        };
        Signals.handle("TERM", stop);
        Signals.handle("INT", stop);
        for (Connector connector : nserv.getServer().getConnectors())
        {
            if (connector instanceof NetworkConnector network && options.adminPort != null && AdminConnector.NAME.equals(connector.getName()))
                out.println("nserv: admin on http://" + (network.getHost() == null ? "0.0.0.0" : network.getHost()) + ":" + network.getLocalPort() + "/metrics");
            else if (connector instanceof NetworkConnector network)
            {
                String scheme = connector.getName().equals(ServerAssembler.HTTPS) ? "https" : "http";
                String host = network.getHost() == null ? "0.0.0.0" : network.getHost();
                out.println("nserv: listening on " + scheme + "://" + host + ":" + network.getLocalPort() + "/ (connector '" + connector.getName() + "')");
            }
        }
        out.println("nserv: ready (generation " + nserv.getGeneration() + ", pid " + nserv.getPid() + ")");
        out.flush();

        try
        {
            nserv.join();
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            return EXIT_START_FAILED;
        }
        out.println("nserv: stopped (generation " + nserv.getGeneration() + ", pid " + nserv.getPid() + ")");
        out.flush();
        return 0;
    }

    /** A standby fixes its log format when it starts: the flag's, unless a --config file sets another. */
    private static java.util.function.Supplier<String> standbyKey(LauncherOptions options)
    {
        dev.nserv.jetty.logging.LogFormat flag = options.logFormatFlag;
        List<Path> configs = List.copyOf(options.configs);
        return () ->
        {
            try
            {
                return "log format " + XmlLogFormat.find(configs).orElse(flag);
            }
            catch (IllegalArgumentException x)
            {
                return "log format unreadable: " + x.getMessage();
            }
        };
    }

    private static RestartOptions restartOptions(LauncherOptions options)
    {
        RestartOptions restart = new RestartOptions();
        restart.setControlSocket(options.controlSocket);
        restart.setSuccessorCommand(options.successorCommand);
        restart.setReadyTimeout(options.readyTimeout);
        restart.setPidFile(options.pidFile);
        restart.setInheritFd0(options.inheritFd0);
        restart.setStandbyDelay(options.standbyDelay);
        restart.setCompilerYield(options.compilerYield);
        restart.setStandbyKey(standbyKey(options));
        Path cds = options.cdsDirectory();
        if (cds != null)
            restart.setClassDataArchives(new ClassDataArchives(cds, options.webapps == null ? List.of() : List.of(options.webapps)));
        return restart;
    }

    /**
     * One line that names the problem: a port in use says which port; other failures give their innermost message.
     */
    static String describe(Throwable x)
    {
        for (Throwable cause = x; cause != null; cause = cause.getCause())
        {
            if (cause instanceof BindException)
                return "cannot listen: " + bindTarget(x) + " " + cause.getMessage() + " (choose another port, or stop the process that holds it)";
            if (cause.getCause() == cause)
                break;
        }
        if (x instanceof IllegalArgumentException || x instanceof IllegalStateException || x instanceof IOException)
        {
            if (x.getMessage() != null && x.getCause() == null)
                return x.getMessage();
        }
        String outer = x.getMessage();
        String root = ServerAssembler.rootMessage(x);
        if (outer == null)
            return root;
        return outer.contains(root) ? outer : outer + ": " + root;
    }

    private static String bindTarget(Throwable x)
    {
        for (Throwable cause = x; cause != null; cause = cause.getCause())
        {
            String message = cause.getMessage();
            if (message != null && message.startsWith("Failed to bind to "))
                return message.substring("Failed to bind to ".length()) + ":";
            if (cause.getCause() == cause)
                break;
        }
        return "";
    }

    /**
     * @return the version lines: nserv from the jar manifest, Jetty, Java
     */
    static String[] version()
    {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[]{
            "nserv " + (version == null ? "(development build)" : version),
            "Jetty " + org.eclipse.jetty.util.Jetty.VERSION + ", Java " + Runtime.version()
        };
    }
}
