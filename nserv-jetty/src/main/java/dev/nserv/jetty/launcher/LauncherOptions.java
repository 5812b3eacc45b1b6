package dev.nserv.jetty.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.nserv.jetty.handoff.RestartOptions;
import dev.nserv.jetty.session.PersistentSessions;
import dev.nserv.jetty.warmup.WarmUp;
import dev.nserv.jetty.warmup.WarmUpRequest;

/**
 * The bundled server's command line. Every option has a matching XmlConfiguration property (listed in the README)
 * and every object it configures is reachable from {@code --config} files by id, so a deployment can be described
 * by flags, by jetty.xml, or both: flags first, then the XML files in order.
 */
public class LauncherOptions
{
    String host;

    int port = 8080;

    Path webapps;

    int scanInterval = 1;

    int maxConnections = 1000;

    String overloadPolicy = "WAIT";

    int acceptors = -1;

    Duration idleTimeout = Duration.ofSeconds(30);

    String httpCompliance = HttpComplianceModes.DEFAULT;

    Duration drainTimeout = Duration.ofSeconds(30);

    Duration preDrainDelay = Duration.ZERO;

    /** Null: the pre-drain delay plus the drain timeout plus NservServer.STOP_DEADLINE_MARGIN_MS. */
    Duration stopDeadline;

    Duration requestHeaderTimeout = Duration.ofMillis(dev.nserv.jetty.RequestHeaderDeadline.DEFAULT_TIMEOUT_MS);

    Duration requestHeaderTimeoutAtLimit = Duration.ofMillis(dev.nserv.jetty.RequestHeaderDeadline.DEFAULT_TIMEOUT_AT_LIMIT_MS);
    Duration websocketCloseWindow = Duration.ofSeconds(1);

    String readinessPath = "/readyz";

    String livenessPath = "/livez";

    Integer httpsPort;

    Path keystore;

    String keystorePassword;

    Path cert;

    Path key;

    List<Path> configs = new ArrayList<>();

    Path logFile;

    /** {@code --log-format}: text (Jetty's lines, the default) or json. */
    dev.nserv.jetty.logging.LogFormat logFormat = dev.nserv.jetty.logging.LogFormat.TEXT;
    /** {@code --log-format} as given, before a {@code --config} file may override it. */
    dev.nserv.jetty.logging.LogFormat logFormatFlag = dev.nserv.jetty.logging.LogFormat.TEXT;
    /** {@code --access-log}: the access log file, or null for none. */
    Path accessLog;
    /** {@code --access-log-format}: a CustomRequestLog format string. */
    String accessLogFormat = org.eclipse.jetty.server.CustomRequestLog.EXTENDED_NCSA_FORMAT;

    Path controlSocket;

    List<String> successorCommand;

    Duration readyTimeout = Duration.ofSeconds(60);
    /** {@code --standby}: the wait before a generation starts its standby successor; null for none. */
    Duration standbyDelay;
    /** {@code --compiler-yield}: how long at most a successor's JIT compiler yields to its first requests. */
    Duration compilerYield = RestartOptions.DEFAULT_COMPILER_YIELD;

    Path pidFile;

    boolean inheritFd0;

    Path stateDir;

    String sessionStore = PersistentSessions.FILE;
    boolean supervise;
    /** {@code --cds-dir}: where successors' class-data archives live; null for the default, see {@link #cdsDirectory()}. */
    Path cdsDir;

    boolean cdsOff;
    String warmupPaths;

    int warmupRequests = WarmUp.DEFAULT_REQUESTS;

    Duration warmupTime = Duration.ofMillis(WarmUp.DEFAULT_TIME_MS);

    boolean warmupFailRollback;

    /** {@code --admin-port}: null when metrics are off. */
    Integer adminPort;

    String adminHost;

    /** Set by {@code --help}. */
    boolean helpRequested;
    /** Set by {@code --version}. */
    boolean versionRequested;

    /**
     * Declares every option of the launcher.
     * @return a parser that fills this object
     */
    CommandLineParser parser()
    {
        return new CommandLineParser()
            .option("--host", "ADDR", "Address to listen on (default: all interfaces).", v -> host = v)
            .option("--port", "PORT", "HTTP port, 0 for any free port (default: 8080). HTTP/1.1 and h2c.", v -> port = CommandLineParser.integer(v))
            .option("--webapps", "DIR", "Deploy every WAR file and exploded webapp in DIR, hot-deploying and undeploying as DIR changes (instead of the demo webapp).", v -> webapps = Path.of(v))
            .option("--scan-interval", "SECONDS", "How often --webapps is rescanned, in seconds; 0 disables hot deployment (default: 1).", v -> scanInterval = CommandLineParser.integer(v))
            .option("--max-connections", "N", "Most simultaneous connections per connector; more wait in the kernel backlog (default: 1000).", v -> maxConnections = CommandLineParser.integer(v))
            .option("--overload-policy", "POLICY", "What clients over the limit get: WAIT in the backlog, or SHED (503 with Retry-After, then close) (default: WAIT).", v -> overloadPolicy = v)
            .option("--acceptors", "N", "Acceptor threads per connector, -1 for Jetty's default (default: -1).", v -> acceptors = CommandLineParser.integer(v))
            .option("--idle-timeout", "DURATION", "Close connections idle this long (default: 30s).", v -> idleTimeout = Durations.parse(v))
            .option("--http-compliance", "MODE", "HTTP/1 parsing: STRICT (no violation: e.g. a bare LF ending a line is 400), RFC9110, RFC7230, RFC2616, LEGACY (default: RFC9110).", v -> httpCompliance = v)
            .option("--drain-timeout", "DURATION", "Longest wait for requests in flight at exit or restart (default: 30s).", v -> drainTimeout = Durations.parse(v))
            .option("--pre-drain-delay", "DURATION", "Keep serving this long after /readyz turns 503, before the drain (default: 0s).", v -> preDrainDelay = Durations.parse(v))
            .option("--stop-deadline", "DURATION", "Longest a whole stop may take (drain and webapp clean-up); past it the stuck webapp is logged with its stack and the process exits with code 3 (default: pre-drain delay + drain timeout + 10s).", v -> stopDeadline = Durations.parse(v))
            .option("--request-header-timeout", "DURATION", "Close a connection whose request line and headers take longer than this, from the request's first byte (a new connection: from the accept) (default: 10s).", v -> requestHeaderTimeout = Durations.parse(v))
            .option("--request-header-timeout-at-limit", "DURATION", "The same while the connection limit is reached, so slow clients give their slot to the next one (default: 1s).", v -> requestHeaderTimeoutAtLimit = Durations.parse(v))
            .option("--websocket-close-window", "DURATION", "Close WebSockets (1012 at a restart, 1001 at a stop) spread over this window, 0 for all at once, at most 60s (default: 1s).", v -> websocketCloseWindow = Durations.parse(v))
            .option("--readiness-path", "PATH", "Readiness probe path, answered before any webapp (default: /readyz).", v -> readinessPath = v)
            .option("--liveness-path", "PATH", "Liveness probe path (default: /livez).", v -> livenessPath = v)
            .option("--https-port", "PORT", "Also serve HTTPS (HTTP/2 through ALPN, and HTTP/1.1) on PORT; needs --keystore or --cert and --key.", v -> httpsPort = CommandLineParser.integer(v))
            .option("--keystore", "FILE", "PKCS#12 or JKS key store for HTTPS.", v -> keystore = Path.of(v))
            .option("--keystore-password", "PASSWORD", "Key store password (or set NSERV_KEYSTORE_PASSWORD).", v -> keystorePassword = v)
            .option("--cert", "FILE", "PEM certificate chain for HTTPS (with --key).", v -> cert = Path.of(v))
            .option("--key", "FILE", "PEM private key (PKCS#8, unencrypted) for HTTPS (with --cert).", v -> key = Path.of(v))
            .option("--config", "FILE.xml", "Jetty XmlConfiguration file applied after the flags; repeatable, applied in order.", v -> configs.add(Path.of(v)))
            .option("--log-file", "FILE", "Also append all output to FILE.", v -> logFile = Path.of(v))
            .option("--log-format", "FORMAT", "text (Jetty's log lines on stderr) or json (one JSON object per line on stdout: time, level, logger, message, pid, generation, thread) (default: text).", v -> logFormat = dev.nserv.jetty.logging.LogFormat.parse(v))
            .option("--access-log", "FILE", "Append one line per request to FILE, in --access-log-format (default: no access log).", v -> accessLog = Path.of(v))
            .option("--access-log-format", "FORMAT", "Jetty CustomRequestLog format of --access-log lines (default: the NCSA combined format, " + org.eclipse.jetty.server.CustomRequestLog.EXTENDED_NCSA_FORMAT + ").", v -> accessLogFormat = dev.nserv.jetty.logging.AccessLogs.checkFormat(v))
            .option("--control-socket", "PATH", "Unix socket for ctl and restarts (default: derived from the HTTP port, see ctl --help).", v -> controlSocket = Path.of(v))
            .option("--successor-command", "ARG", "Command that starts the next generation on restart (default: this process's own command line).", v -> successorCommand = Arrays.asList(v.trim().split("\\s+")))
            .option("--ready-timeout", "DURATION", "Longest wait for a successor to become ready before rolling back (default: 60s).", v -> readyTimeout = Durations.parse(v))
            .option("--standby", "DURATION|off", "Start a standby successor DURATION after each generation serves: a JVM that loads its classes ahead and waits, so that a restart starts from it (it costs a second JVM's memory; off by default).",
                v -> standbyDelay = v.equals("off") ? null : Durations.parse(v))
            .option("--compiler-yield", "DURATION|off", "After a restart, run the successor's JIT compiler at a lower priority than its requests for at most DURATION, or until the CPU is saturated (at most 10m; default: 10s).",
                v -> compilerYield = v.equals("off") ? Duration.ZERO : Durations.parse(v))
            .option("--pid-file", "FILE", "Write the serving generation's pid to FILE (atomically, also after restarts).", v -> pidFile = Path.of(v))
            .option("--state-dir", "DIR", "Directory for state kept across restarts, e.g. HTTP sessions (default: $XDG_STATE_HOME/nserv/PORT, or ~/.local/state/nserv/PORT).", v -> stateDir = Path.of(v))
            .option("--session-store", "STORE", "Where HTTP sessions survive restarts: file (under --state-dir), memory (lost on restart), or a jdbc:postgresql://HOST:PORT/DB?user=U&password=P URL shared by several servers (default: file).", v ->
                {
                    PersistentSessions.checkStore(v);
                    sessionStore = v.trim();
                })
            .option("--cds-dir", "DIR|off", "Directory of the class-data archives successors start from (default: cds/ in the state directory); off starts them without.",
                v -> { cdsOff = v.equals("off"); cdsDir = cdsOff ? null : Path.of(requireText(v, "a directory, or off")); })
            .option("--warmup-paths", "PATHS", "Requests a successor repeats in-process before it is ready, comma-separated: /path, GET /path or HEAD /path; 'none' for none (default: each webapp's root; a webapp may name its own in the init-param " + WarmUp.PATHS_PARAMETER + ").", v -> warmupPaths = WarmUpRequest.parseList(v).isEmpty() ? WarmUp.NONE : v)
            .option("--warmup-requests", "N", "Requests per warm-up path at most; 0 turns warm-up off (default: " + WarmUp.DEFAULT_REQUESTS + ").", v -> warmupRequests = CommandLineParser.integer(v))
            .option("--warmup-time", "DURATION", "Longest warm-up, also bounded by --ready-timeout; 0 turns warm-up off (default: " + WarmUp.DEFAULT_TIME_MS + "ms).", v -> warmupTime = Durations.parse(v))
            .option("--admin-port", "PORT", "Serve /metrics (Prometheus) and the probes on PORT, a port of its own (0 for any free port); off by default.", v -> adminPort = CommandLineParser.integer(v))
            .option("--admin-host", "ADDR", "Address of the admin port (default: 127.0.0.1).", v -> adminHost = v)
            .flag("--warmup-fail-rollback", "A failed warm-up request (not 2xx/3xx) makes the successor fail, so the restart rolls back (default: logged only).", () -> warmupFailRollback = true)
            .flag("--inherit-fd0", "Adopt the listening socket on fd 0 (inetd style) for the HTTP connector; an fd 0 that is not a listening TCP socket is then an error.", () -> inheritFd0 = true)
            .flag("--supervise", "Run a small supervisor that holds the listening sockets and the pid file and starts a new generation at once when the serving one dies (see docs/supervise.md).", () -> supervise = true)
            .flag("--help", "Show this help and exit.", () -> helpRequested = true)
            .flag("--version", "Show the versions of nserv, Jetty and Java, and exit.", () -> versionRequested = true);
    }

    /**
     * Parses and validates a command line.
     * @param args the command line
     * @return the options
     * @throws IllegalArgumentException naming the option at fault
     */
    static LauncherOptions parse(String... args)
    {
        LauncherOptions options = parseUnchecked(args);
        if (!options.helpRequested && !options.versionRequested)
            options.validate();
        return options;
    }

    /**
     * Parses a command line without {@link #validate()}, which may load classes that log: the launcher starts
     * logging in between, before the first logger exists.
     * @param args the command line
     * @return the options
     * @throws IllegalArgumentException naming the option at fault
     */
    static LauncherOptions parseUnchecked(String... args)
    {
        LauncherOptions options = new LauncherOptions();
        options.parser().parse(args);
        return options;
    }

    /**
     * @return the text of {@code --help}
     */
    String usage()
    {
        StringBuilder text = new StringBuilder();
        text.append("Usage: java -jar nserv.jar [OPTIONS]\n");
        text.append("       java -jar nserv.jar ctl status|restart|stop|limit N [--socket PATH | --port N]\n\n");
        text.append("Jetty 12 with throttling, graceful exit and zero-downtime restart.\n");
        text.append("Without options it serves the bundled demo webapp on port 8080 at context /.\n");
        text.append("Durations are written 500ms, 30s, 2m or 1h; a bare number is seconds.\n\nOptions:\n");
        for (String line : parser().describe())
            text.append(line).append('\n');
        return text.toString();
    }

    /**
     * Checks values that the parser's types cannot.
     * @throws IllegalArgumentException naming the option and the value
     */
    void validate()
    {
        checkPort("--port", port);
        if (httpsPort != null)
            checkPort("--https-port", httpsPort);
        checkAdmin();
        if (supervise && inheritFd0)
            throw new IllegalArgumentException("--supervise cannot adopt fd 0 (--inherit-fd0); use systemd socket activation (LISTEN_FDS) or let it bind --port");
        if (maxConnections < 1)
            throw new IllegalArgumentException("--max-connections must be at least 1, was " + maxConnections);
        if (acceptors < -1 || acceptors == 0)
            throw new IllegalArgumentException("--acceptors must be -1 (Jetty's default) or at least 1, was " + acceptors);
        if (scanInterval < 0)
            throw new IllegalArgumentException("--scan-interval must be 0 or more seconds, was " + scanInterval);
        if (drainTimeout.isZero())
            throw new IllegalArgumentException("--drain-timeout must be more than 0");
        if (stopDeadline != null && stopDeadline.toMillis() < 1000)
            throw new IllegalArgumentException("--stop-deadline must be at least 1s, was " + Durations.format(stopDeadline));
        if (stopDeadline != null && stopDeadline.compareTo(drainTimeout.plus(preDrainDelay)) <= 0)
            throw new IllegalArgumentException("--stop-deadline " + Durations.format(stopDeadline) + " must be longer than --pre-drain-delay plus --drain-timeout (" +
                Durations.format(drainTimeout.plus(preDrainDelay)) + "), or every slow drain would end in a halt");
        if (requestHeaderTimeout.toMillis() < 100)
            throw new IllegalArgumentException("--request-header-timeout must be at least 100ms, was " + Durations.format(requestHeaderTimeout));
        if (requestHeaderTimeoutAtLimit.toMillis() < 100)
            throw new IllegalArgumentException("--request-header-timeout-at-limit must be at least 100ms, was " + Durations.format(requestHeaderTimeoutAtLimit));
        if (requestHeaderTimeoutAtLimit.compareTo(requestHeaderTimeout) > 0)
            throw new IllegalArgumentException("--request-header-timeout-at-limit (" + Durations.format(requestHeaderTimeoutAtLimit) +
                ") must not exceed --request-header-timeout (" + Durations.format(requestHeaderTimeout) + ")");
        if (readyTimeout.isZero())
            throw new IllegalArgumentException("--ready-timeout must be more than 0");
        if (compilerYield.compareTo(RestartOptions.MAX_COMPILER_YIELD) > 0)
            throw new IllegalArgumentException("--compiler-yield must be at most " + Durations.format(RestartOptions.MAX_COMPILER_YIELD) + ", was " + Durations.format(compilerYield));
        if (standbyDelay != null && successorCommand != null)
            throw new IllegalArgumentException("--standby needs the default successor command: a standby is started from this process's own command line, and --successor-command is set");
        if (websocketCloseWindow.toMillis() > dev.nserv.jetty.websocket.WebSocketCloser.MAX_CLOSE_WINDOW_MS)
            throw new IllegalArgumentException("--websocket-close-window must be at most 60s, was " + websocketCloseWindow.toMillis() + " ms");
        if (idleTimeout.isZero())
            throw new IllegalArgumentException("--idle-timeout must be more than 0");
        HttpComplianceModes.parse(httpCompliance);
        if (warmupRequests < 0 || warmupRequests > 1_000_000)
            throw new IllegalArgumentException("--warmup-requests must be from 0 (off) to 1000000, was " + warmupRequests);
        if (webapps != null && !java.nio.file.Files.isDirectory(webapps))
            throw new IllegalArgumentException("--webapps " + webapps + " is not a directory");
        if (webapps != null && !java.nio.file.Files.isReadable(webapps))
            throw new IllegalArgumentException("--webapps " + webapps + " is not readable");
        if ((cert == null) != (key == null))
            throw new IllegalArgumentException("--cert and --key go together: give both PEM files");
        if (keystore != null && cert != null)
            throw new IllegalArgumentException("give either --keystore or --cert/--key, not both");
        if (httpsPort != null && keystore == null && cert == null)
            throw new IllegalArgumentException("--https-port needs --keystore FILE or --cert FILE --key FILE");
        if (httpsPort == null && (keystore != null || cert != null))
            throw new IllegalArgumentException("--keystore/--cert given without --https-port");
        for (Path file : new Path[]{keystore, cert, key})
        {
            if (file != null && !java.nio.file.Files.isReadable(file))
                throw new IllegalArgumentException("cannot read " + file);
        }
        if (cdsDir != null)
            checkDirectory("--cds-dir", cdsDir);
        if (accessLog != null)
            dev.nserv.jetty.logging.StandardStreams.checkWritable("--access-log", accessLog);
        for (Path config : configs)
        {
            if (!java.nio.file.Files.isReadable(config) || java.nio.file.Files.isDirectory(config))
                throw new IllegalArgumentException("--config " + config + " is not a readable file");
        }
    }

    /**
     * The state directory: {@code --state-dir}, else {@code $XDG_STATE_HOME/nserv/PORT}, else
     * {@code ~/.local/state/nserv/PORT}. Per HTTP port like the default control socket, so that two servers on one
     * host keep apart, and the same for every generation of one server (a successor gets the same flags).
     * @return the directory, absolute
     */
    Path stateDirectory()
    {
        if (stateDir != null)
            return stateDir.toAbsolutePath();
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("nserv").resolve(Integer.toString(port)).toAbsolutePath();
    }

    /**
     * @return the class-data archive directory, or {@code null} when {@code --cds-dir off}
     */
    Path cdsDirectory()
    {
        if (cdsOff)
            return null;
        // in the state directory, beside the sessions: per server, the same for every generation
        return cdsDir != null ? cdsDir : stateDirectory().resolve(dev.nserv.jetty.handoff.ClassDataArchives.DEFAULT_SUBDIRECTORY);
    }

    /** A directory that exists (or can be created) and is writable. */
    private static void checkDirectory(String option, Path dir)
    {
        if (java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir))
            throw new IllegalArgumentException(option + " " + dir + " is not a directory (give a directory, or off)");
        try
        {
            java.nio.file.Files.createDirectories(dir);
        }
        catch (java.io.IOException x)
        {
            throw new IllegalArgumentException(option + " " + dir + " cannot be created: " + x.getMessage() + " (give a writable directory, or off)");
        }
        if (!java.nio.file.Files.isWritable(dir))
            throw new IllegalArgumentException(option + " " + dir + " is not writable (give a writable directory, or off)");
    }

    private void checkAdmin()
    {
        if (adminPort == null)
        {
            if (adminHost != null)
                throw new IllegalArgumentException("--admin-host " + adminHost + " given without --admin-port PORT");
            return;
        }
        checkPort("--admin-port", adminPort);
        if (adminPort != 0 && (adminPort == port || adminPort.equals(httpsPort)))
            throw new IllegalArgumentException("--admin-port " + adminPort + " is also the " + (adminPort == port ? "--port" : "--https-port") +
                "; the admin port must be a port of its own (choose another, or 0 for any free port)");
        if (adminHost != null)
        {
            if (adminHost.isBlank())
                throw new IllegalArgumentException("--admin-host must be an address or host name, was empty");
            try
            {
                java.net.InetAddress.getByName(adminHost);
            }
            catch (java.net.UnknownHostException x)
            {
                throw new IllegalArgumentException("--admin-host " + adminHost + " does not resolve (give an address such as 127.0.0.1)");
            }
        }
    }

    private static void checkPort(String option, int value)
    {
        if (value < 0 || value > 65535)
            throw new IllegalArgumentException(option + " must be from 0 to 65535, was " + value);
    }

    private static String requireText(String value, String what)
    {
        // Path.of("") is the working directory: an empty value (e.g. an unset shell variable) must not mean that
        if (value.isBlank())
            throw new IllegalArgumentException("the value is empty: give " + what);
        return value;
    }
}
