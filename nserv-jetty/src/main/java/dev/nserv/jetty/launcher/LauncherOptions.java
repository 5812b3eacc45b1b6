package dev.nserv.jetty.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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

    Duration drainTimeout = Duration.ofSeconds(30);

    Duration preDrainDelay = Duration.ZERO;

    String readinessPath = "/readyz";

    String livenessPath = "/livez";

    Integer httpsPort;

    Path keystore;

    String keystorePassword;

    Path cert;

    Path key;

    List<Path> configs = new ArrayList<>();

    Path logFile;

    Path controlSocket;

    List<String> successorCommand;

    Duration readyTimeout = Duration.ofSeconds(60);

    Path pidFile;

    boolean inheritFd0;

    String warmupPaths;

    int warmupRequests = WarmUp.DEFAULT_REQUESTS;

    Duration warmupTime = Duration.ofMillis(WarmUp.DEFAULT_TIME_MS);

    boolean warmupFailRollback;

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
            .option("--drain-timeout", "DURATION", "Longest wait for requests in flight at exit or restart (default: 30s).", v -> drainTimeout = Durations.parse(v))
            .option("--pre-drain-delay", "DURATION", "Keep serving this long after /readyz turns 503, before the drain (default: 0s).", v -> preDrainDelay = Durations.parse(v))
            .option("--readiness-path", "PATH", "Readiness probe path, answered before any webapp (default: /readyz).", v -> readinessPath = v)
            .option("--liveness-path", "PATH", "Liveness probe path (default: /livez).", v -> livenessPath = v)
            .option("--https-port", "PORT", "Also serve HTTPS (HTTP/2 through ALPN, and HTTP/1.1) on PORT; needs --keystore or --cert and --key.", v -> httpsPort = CommandLineParser.integer(v))
            .option("--keystore", "FILE", "PKCS#12 or JKS key store for HTTPS.", v -> keystore = Path.of(v))
            .option("--keystore-password", "PASSWORD", "Key store password (or set NSERV_KEYSTORE_PASSWORD).", v -> keystorePassword = v)
            .option("--cert", "FILE", "PEM certificate chain for HTTPS (with --key).", v -> cert = Path.of(v))
            .option("--key", "FILE", "PEM private key (PKCS#8, unencrypted) for HTTPS (with --cert).", v -> key = Path.of(v))
            .option("--config", "FILE.xml", "Jetty XmlConfiguration file applied after the flags; repeatable, applied in order.", v -> configs.add(Path.of(v)))
            .option("--log-file", "FILE", "Also append all output to FILE.", v -> logFile = Path.of(v))
            .option("--control-socket", "PATH", "Unix socket for ctl and restarts (default: derived from the HTTP port, see ctl --help).", v -> controlSocket = Path.of(v))
            .option("--successor-command", "ARG", "Command that starts the next generation on restart (default: this process's own command line).", v -> successorCommand = Arrays.asList(v.trim().split("\\s+")))
            .option("--ready-timeout", "DURATION", "Longest wait for a successor to become ready before rolling back (default: 60s).", v -> readyTimeout = Durations.parse(v))
            .option("--pid-file", "FILE", "Write the serving generation's pid to FILE (atomically, also after restarts).", v -> pidFile = Path.of(v))
            .option("--warmup-paths", "PATHS", "Requests a successor repeats in-process before it is ready, comma-separated: /path, GET /path or HEAD /path; 'none' for none (default: each webapp's root; a webapp may name its own in the init-param " + WarmUp.PATHS_PARAMETER + ").", v -> warmupPaths = WarmUpRequest.parseList(v).isEmpty() ? WarmUp.NONE : v)
            .option("--warmup-requests", "N", "Requests per warm-up path at most; 0 turns warm-up off (default: " + WarmUp.DEFAULT_REQUESTS + ").", v -> warmupRequests = CommandLineParser.integer(v))
            .option("--warmup-time", "DURATION", "Longest warm-up, also bounded by --ready-timeout; 0 turns warm-up off (default: " + WarmUp.DEFAULT_TIME_MS + "ms).", v -> warmupTime = Durations.parse(v))
            .flag("--warmup-fail-rollback", "A failed warm-up request (not 2xx/3xx) makes the successor fail, so the restart rolls back (default: logged only).", () -> warmupFailRollback = true)
            .flag("--inherit-fd0", "Adopt the listening socket on fd 0 (inetd style) for the HTTP connector; an fd 0 that is not a listening TCP socket is then an error.", () -> inheritFd0 = true)
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
        LauncherOptions options = new LauncherOptions();
        options.parser().parse(args);
        if (!options.helpRequested && !options.versionRequested)
            options.validate();
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
        if (maxConnections < 1)
            throw new IllegalArgumentException("--max-connections must be at least 1, was " + maxConnections);
        if (acceptors < -1 || acceptors == 0)
            throw new IllegalArgumentException("--acceptors must be -1 (Jetty's default) or at least 1, was " + acceptors);
        if (scanInterval < 0)
            throw new IllegalArgumentException("--scan-interval must be 0 or more seconds, was " + scanInterval);
        if (drainTimeout.isZero())
            throw new IllegalArgumentException("--drain-timeout must be more than 0");
        if (readyTimeout.isZero())
            throw new IllegalArgumentException("--ready-timeout must be more than 0");
        if (idleTimeout.isZero())
            throw new IllegalArgumentException("--idle-timeout must be more than 0");
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
        for (Path config : configs)
        {
            if (!java.nio.file.Files.isReadable(config) || java.nio.file.Files.isDirectory(config))
                throw new IllegalArgumentException("--config " + config + " is not a readable file");
        }
    }

    private static void checkPort(String option, int value)
    {
        if (value < 0 || value > 65535)
            throw new IllegalArgumentException(option + " must be from 0 to 65535, was " + value);
    }
}
