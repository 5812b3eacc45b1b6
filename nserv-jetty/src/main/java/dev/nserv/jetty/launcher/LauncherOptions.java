package dev.nserv.jetty.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The bundled server's command line. Every option has a matching XmlConfiguration property (listed in the README)
 * and every object it configures is reachable from {@code --config} files by id, so a deployment can be described
 * by flags, by jetty.xml, or both: flags first, then the XML files in order.
 */
@Command(name = "java -jar nserv.jar",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
        "Jetty 12 with throttling, graceful exit and zero-downtime restart.",
        "Without options it serves the bundled demo webapp on port 8080 at context /.",
        "Also: java -jar nserv.jar ctl status|restart|stop|limit N (see ctl --help)."
    })
public class LauncherOptions
{
    @Option(names = "--host", paramLabel = "ADDR", description = "Address to listen on (default: all interfaces).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "HTTP port, 0 for any free port (default: ${DEFAULT-VALUE}). HTTP/1.1 and h2c.")
    int port = 8080;

    @Option(names = "--webapps", paramLabel = "DIR", description = "Deploy every WAR file and exploded webapp in DIR, hot-deploying and undeploying as DIR changes (instead of the demo webapp).")
    Path webapps;

    @Option(names = "--scan-interval", paramLabel = "SECONDS", description = "How often --webapps is rescanned, in seconds; 0 disables hot deployment (default: ${DEFAULT-VALUE}).")
    int scanInterval = 1;

    @Option(names = "--max-connections", paramLabel = "N", description = "Most simultaneous connections per connector; more wait in the kernel backlog (default: ${DEFAULT-VALUE}).")
    int maxConnections = 1000;

    @Option(names = "--overload-policy", paramLabel = "POLICY", description = "What clients over the limit get: WAIT in the backlog, or SHED (503 with Retry-After, then close) (default: ${DEFAULT-VALUE}).")
    String overloadPolicy = "WAIT";

    @Option(names = "--acceptors", paramLabel = "N", description = "Acceptor threads per connector, -1 for Jetty's default (default: ${DEFAULT-VALUE}).")
    int acceptors = -1;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = Durations.class, description = "Close connections idle this long (default: 30s).")
    Duration idleTimeout = Duration.ofSeconds(30);

    @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = Durations.class, description = "Longest wait for requests in flight at exit or restart (default: 30s).")
    Duration drainTimeout = Duration.ofSeconds(30);

    @Option(names = "--pre-drain-delay", paramLabel = "DURATION", converter = Durations.class, description = "Keep serving this long after /readyz turns 503, before the drain (default: 0s).")
    Duration preDrainDelay = Duration.ZERO;

    @Option(names = "--readiness-path", paramLabel = "PATH", description = "Readiness probe path, answered before any webapp (default: ${DEFAULT-VALUE}).")
    String readinessPath = "/readyz";

    @Option(names = "--liveness-path", paramLabel = "PATH", description = "Liveness probe path (default: ${DEFAULT-VALUE}).")
    String livenessPath = "/livez";

    @Option(names = "--https-port", paramLabel = "PORT", description = "Also serve HTTPS (HTTP/2 through ALPN, and HTTP/1.1) on PORT; needs --keystore or --cert and --key.")
    Integer httpsPort;

    @Option(names = "--keystore", paramLabel = "FILE", description = "PKCS#12 or JKS key store for HTTPS.")
    Path keystore;

    @Option(names = "--keystore-password", paramLabel = "PASSWORD", description = "Key store password (or set NSERV_KEYSTORE_PASSWORD).")
    String keystorePassword;

    @Option(names = "--cert", paramLabel = "FILE", description = "PEM certificate chain for HTTPS (with --key).")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM private key (PKCS#8, unencrypted) for HTTPS (with --cert).")
    Path key;

    @Option(names = "--config", paramLabel = "FILE.xml", description = "Jetty XmlConfiguration file applied after the flags; repeatable, applied in order.")
    List<Path> configs = new ArrayList<>();

    @Option(names = "--log-file", paramLabel = "FILE", description = "Also append all output to FILE.")
    Path logFile;

    @Option(names = "--control-socket", paramLabel = "PATH", description = "Unix socket for ctl and restarts (default: derived from the HTTP port, see ctl --help).")
    Path controlSocket;

    @Option(names = "--successor-command", paramLabel = "ARG", split = "\\s+", description = "Command that starts the next generation on restart (default: this process's own command line).")
    List<String> successorCommand;

    @Option(names = "--ready-timeout", paramLabel = "DURATION", converter = Durations.class, description = "Longest wait for a successor to become ready before rolling back (default: 60s).")
    Duration readyTimeout = Duration.ofSeconds(60);

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the serving generation's pid to FILE (atomically, also after restarts).")
    Path pidFile;

    @Option(names = "--inherit-fd0", description = "Adopt the listening socket on fd 0 (inetd style) for the HTTP connector; an fd 0 that is not a listening TCP socket is then an error.")
    boolean inheritFd0;

    /**
     * Checks values that picocli's types cannot.
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
