package dev.nserv.jetty.handoff;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import dev.nserv.jetty.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.nserv.jetty.handoff.NservProcesses.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Socket adoption with the real nserv.jar: systemd socket activation (systemd-socket-activate), an inetd-style
 * listener on fd 0, two listeners (HTTP and HTTPS) handed over together, and clear startup errors.
 */
class AdoptionIT
{
    private static final String ACTIVATE = "/usr/bin/systemd-socket-activate";

    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception
    {
        nserv.saveOutput("AdoptionIT-" + tmp.getFileName());
        nserv.close();
        for (AutoCloseable closeable : closeables)
            closeable.close();
    }

    private static int freePort() throws Exception
    {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return probe.getLocalPort();
        }
    }

    private static String get(int port) throws Exception
    {
        try (RawHttp http = new RawHttp(port))
        {
            RawHttp.Response response = http.get("/");
            assertThat(response.status()).isEqualTo(200);
            return response.body();
        }
    }

    private String status(Path socket)
    {
        NservProcesses.CtlResult status = nserv.ctl("--socket", socket.toString(), "status");
        assertThat(status.code).as(status.toString()).isZero();
        return status.out;
    }

    private void restartKeeping(Path socket, int generation, List<Long> inodes, int... ports) throws Exception
    {
        NservProcesses.CtlResult restart = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(restart.code).as(restart.toString()).isZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> field(status(socket), "generation").equals(Integer.toString(generation)));
        String status = status(socket);
        for (int i = 0; i < ports.length; i++)
        {
            assertThat(NservProcesses.listenInodes(ports[i])).containsExactly(inodes.get(i));
            assertThat(status).contains("inode " + inodes.get(i) + " (handed off by generation " + (generation - 1));
        }
    }

    private static void assumeSocketActivate()
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(ACTIVATE)), ACTIVATE + " is not installed");
    }

    @Test
    void systemdSocketActivationByName() throws Exception
    {
        assumeSocketActivate();
        int port = freePort();
        Path socket = tmp.resolve("ctl.sock");
        Path pidFile = tmp.resolve("nserv.pid");
        NotifySocket systemd = new NotifySocket(tmp.resolve("notify").toString());
        closeables.add(systemd);
        // systemd-socket-activate passes only the variables named with -E
        List<String> command = new ArrayList<>(List.of(ACTIVATE, "-l", "127.0.0.1:" + port, "--fdname=http", "-E", "NOTIFY_SOCKET"));
        command.addAll(nserv.nserv("--host", "127.0.0.1", "--port", "1", "--control-socket", socket.toString(), "--pid-file", pidFile.toString()));
        nserv.start(Map.of("NOTIFY_SOCKET", systemd.name()), command);
        await().atMost(Duration.ofSeconds(10)).until(() -> !NservProcesses.listenInodes(port).isEmpty());
        long inode = NservProcesses.listenInodes(port).get(0);

        // the first connection starts nserv and is served once it has adopted fd 3
        assertThat(get(port)).contains("generation=1");
        await().atMost(Duration.ofSeconds(30)).until(() -> nserv.ctl("--socket", socket.toString(), "status").code == 0);
        assertThat(status(socket)).contains("http 127.0.0.1:" + port + " inode " + inode + " (systemd fd 3 (LISTEN_FDS #1, name 'http'))");
        assertThat(nserv.outputText()).contains("nserv: listening on http://127.0.0.1:" + port + "/ (connector 'http')");

        String first = field(status(socket), "pid");
        assertThat(Files.readString(pidFile).trim()).isEqualTo(first);
        await().atMost(Duration.ofSeconds(10)).until(() -> systemd.messages().contains("READY=1\nSTATUS=generation 1 serving"));

        restartKeeping(socket, 2, List.of(inode), port);
        assertThat(get(port)).contains("generation=2");
        String second = field(status(socket), "pid");
        assertThat(Files.readString(pidFile).trim()).isEqualTo(second);
        // the old generation hands the main pid over while it is still the main process; the successor confirms
        await().atMost(Duration.ofSeconds(10)).until(() -> systemd.messages().stream().anyMatch(m -> m.startsWith("MAINPID=" + second + "\nSTATUS=generation 2 serving; generation 1 draining")));
        await().atMost(Duration.ofSeconds(10)).until(() -> systemd.messages().contains("MAINPID=" + second + "\nREADY=1\nSTATUS=generation 2 serving"));
        assertThat(systemd.messages()).as("a generation that handed off does not report STOPPING").noneMatch(m -> m.contains("STOPPING=1"));

        NservProcesses.CtlResult stop = nserv.ctl("--socket", socket.toString(), "stop");
        assertThat(stop.code).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> systemd.messages().contains("STOPPING=1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(pidFile));
    }

    @Test
    void inetdStyleListenerOnFd0() throws Exception
    {
        assumeSocketActivate();
        int port = freePort();
        Path socket = tmp.resolve("ctl.sock");
        String java = String.join(" ", nserv.nserv("--host", "127.0.0.1", "--port", "1", "--control-socket", socket.toString(), "--inherit-fd0"));
        nserv.start(Map.of(), List.of(ACTIVATE, "-l", "127.0.0.1:" + port, "/bin/sh", "-c", "unset LISTEN_PID LISTEN_FDS LISTEN_FDNAMES; exec " + java + " <&3 3<&-"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !NservProcesses.listenInodes(port).isEmpty());
        long inode = NservProcesses.listenInodes(port).get(0);

        assertThat(get(port)).contains("generation=1");
        await().atMost(Duration.ofSeconds(30)).until(() -> nserv.ctl("--socket", socket.toString(), "status").code == 0);
        String status = status(socket);
        assertThat(status).contains("inode " + inode + " (inetd-style fd 0 (standard input))");
        long pid = Long.parseLong(field(status, "pid"));
        assertThat(NservProcesses.fdTargets(pid)).as("fd 0 is left in place").contains("0 -> socket:[" + inode + "]");

        restartKeeping(socket, 2, List.of(inode), port);
        long successor = Long.parseLong(field(status(socket), "pid"));
        assertThat(NservProcesses.fdTargets(successor)).contains("0 -> /dev/null");
        assertThat(get(port)).contains("generation=2");
    }

    @Test
    void httpAndHttpsAreHandedOverTogether() throws Exception
    {
        Path keystore = tmp.resolve("ks.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "nserv",
            "-keyalg", "EC", "-validity", "2", "-dname", "CN=localhost", "-storetype", "PKCS12", "-keystore", keystore.toString(),
            "-storepass", "secret12", "-keypass", "secret12").redirectErrorStream(true).start();
        keytool.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).isZero();

        Path socket = tmp.resolve("ctl.sock");
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--https-port", "0", "--keystore", keystore.toString(),
            "--keystore-password", "secret12", "--control-socket", socket.toString()));
        int http = nserv.awaitPort("http");
        int https = nserv.awaitPort("https");
        List<Long> inodes = List.of(NservProcesses.listenInodes(http).get(0), NservProcesses.listenInodes(https).get(0));
        assertThat(httpsGet(https)).startsWith("HTTP/1.1 200");

        restartKeeping(socket, 2, inodes, http, https);
        assertThat(get(http)).contains("generation=2");
        assertThat(httpsGet(https)).startsWith("HTTP/1.1 200");
    }

    private static String httpsGet(int port) throws Exception
    {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[]{new X509TrustManager()
        {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType)
            {
                // test client
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType)
            {
                // a self-signed test certificate
            }

            @Override
            public X509Certificate[] getAcceptedIssuers()
            {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket tls = (SSLSocket)context.getSocketFactory().createSocket("127.0.0.1", port))
        {
            tls.setSoTimeout(30_000);
            tls.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            tls.getOutputStream().flush();
            return new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void startupErrorsNameTheInheritedFd() throws Exception
    {
        assumeSocketActivate();
        // more systemd sockets than connectors
        int port = freePort();
        int other = freePort();
        List<String> command = new ArrayList<>(List.of(ACTIVATE, "-l", "127.0.0.1:" + port, "-l", "127.0.0.1:" + other));
        command.addAll(nserv.nserv("--host", "127.0.0.1", "--port", "1", "--control-socket", tmp.resolve("a.sock").toString()));
        Process activated = nserv.start(Map.of(), command);
        await().atMost(Duration.ofSeconds(10)).until(() -> !NservProcesses.listenInodes(port).isEmpty());
        // the connection only makes systemd-socket-activate start nserv, which then refuses to start
        RawHttp trigger = new RawHttp(port);
        try
        {
            assertThat(activated.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        finally
        {
            trigger.close();
        }
        assertThat(activated.exitValue()).isEqualTo(1);
        // the output file is followed asynchronously
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nserv.outputText())
            .contains("nserv: error: systemd socket activation: systemd passed 2 sockets (LISTEN_FDS=2) but the server has 1 connector(s) [http]"));

        // --inherit-fd0 without a socket on fd 0
        Process plain = nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--inherit-fd0", "--control-socket", tmp.resolve("b.sock").toString()));
        assertThat(plain.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(plain.exitValue()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nserv.outputText())
            .contains("nserv: error: fd 0 (standard input) is not a socket (it is /dev/null)"));
        assertThat(nserv.outputText()).doesNotContain("nserv: listening");
    }
}
