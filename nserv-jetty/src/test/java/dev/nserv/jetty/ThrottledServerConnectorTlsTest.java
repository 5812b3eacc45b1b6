package dev.nserv.jetty;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import dev.nserv.jetty.ThrottledTestSupport.HoldingHandler;
import dev.nserv.jetty.ThrottledTestSupport.OpenConnections;
import dev.nserv.jetty.ThrottledTestSupport.Reply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * On a TLS connector a permit comes back once per socket whatever ends it: failed handshakes (clear text,
 * untrusted certificate, truncated or reset hellos), handshakes that never start, and normal requests; and
 * shedding closes without writing clear text.
 */
class ThrottledServerConnectorTlsTest
{
    private static final Duration AT_MOST = Duration.ofSeconds(30);
    private static final String PASSWORD = "nserv-test";
    private static final int LIMIT = 5;

    @TempDir
    static Path keys;
    private static Path keyStore;

    @RegisterExtension
    final ThrottledConnectorFixture fixture = new ThrottledConnectorFixture();
    private final HoldingHandler handler = fixture.handler();
    private final OpenConnections open = fixture.open();
    private ThrottledServerConnector connector;
    private SSLContext trusting;

    @BeforeAll
    static void createKeyStore() throws Exception
    {
        keyStore = keys.resolve("throttled-test.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "nserv",
            "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1",
            "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
            "-storepass", PASSWORD, "-keypass", PASSWORD)
            .redirectErrorStream(true)
            .redirectOutput(keys.resolve("keytool.log").toFile())
            .start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
    }

    @BeforeEach
    void start() throws Exception
    {
        // The idle timeout is long enough for a handshake on a loaded machine, short enough for the silent
        // connections to end soon.
        connector = fixture.tls(keyStore, PASSWORD).acceptors(2).maxConnections(LIMIT).idleTimeout(3000).clientThreads(8).start();

        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keyStore))
        {
            trusted.load(in, PASSWORD.toCharArray());
        }
        trusting = sslContext(trusted);
    }

    @Test
    void everyTlsClosePathGivesThePermitBack() throws Exception
    {
        int port = connector.getLocalPort();
        int perWay = 40;
        // Each silent connection lasts an idle timeout: fewer of them, all at once, keep the test short.
        int silent = 3;
        List<Future<?>> work = new ArrayList<>();
        for (int way = 0; way < 6; way++)
        {
            int w = way;
            work.add(fixture.clients().submit(() ->
            {
                if (w == 4)
                    stayIdle(port, silent);
                else
                    for (int i = 0; i < perWay; i++)
                        endOneWay(port, w);
                return null;
            }));
        }
        for (Future<?> w : work)
            w.get(AT_MOST.toSeconds(), TimeUnit.SECONDS);

        await().atMost(AT_MOST).until(() -> connector.getActiveConnections() == 0 && open.open() == 0);
        assertThat(connector.getAcceptedConnections()).isEqualTo(5L * perWay + silent);
        assertThat(connector.heldPermits()).isEqualTo(connector.getAcceptors());
        assertThat(connector.getPeakConnections()).isLessThanOrEqualTo(LIMIT);

        // The whole limit is still there.
        handler.hold();
        List<Future<Reply>> held = new ArrayList<>();
        for (int i = 0; i < LIMIT; i++)
            held.add(fixture.clients().submit(() -> tlsGet(port)));
        await().atMost(AT_MOST).until(() -> handler.parked() == LIMIT && connector.getActiveConnections() == LIMIT);
        handler.releaseAll();
        for (Future<Reply> reply : held)
            assertThat(reply.get(AT_MOST.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(200);
    }

    // Connects and sends no hello: the server's idle timeout ends the connections (fewer than the limit, so that the other ways go on meanwhile).
    private static void stayIdle(int port, int count) throws IOException
    {
        List<Socket> sockets = new ArrayList<>();
        try
        {
            for (int i = 0; i < count; i++)
                sockets.add(connect(port));
            for (Socket socket : sockets)
                drain(socket.getInputStream());
        }
        finally
        {
            for (Socket socket : sockets)
                socket.close();
        }
    }

    // 0: a successful request; 1: clear text to the TLS port; 2: a client that does not trust the certificate;
    // 3: a truncated hello then a reset; 5: a handshake, then a reset.
    private void endOneWay(int port, int way) throws IOException
    {
        switch (way)
        {
            case 0 -> assertThat(tlsGet(port).status()).isEqualTo(200);
            case 1 ->
            {
                try (Socket socket = connect(port))
                {
                    socket.getOutputStream().write(ThrottledTestSupport.request().getBytes(StandardCharsets.US_ASCII));
                    drain(socket.getInputStream());
                }
            }
            case 2 ->
            {
                // null: the JDK's default trust store, which does not know the test certificate
                SSLContext untrusting = sslContext(null);
                try (SSLSocket socket = (SSLSocket)untrusting.getSocketFactory().createSocket(connect(port), ThrottledTestSupport.LOCALHOST, port, true))
                {
                    assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLException.class);
                }
            }
            case 3 ->
            {
                try (Socket socket = connect(port))
                {
                    socket.getOutputStream().write(new byte[]{0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
                    socket.setSoLinger(true, 0);
                }
            }
            case 5 ->
            {
                try (SSLSocket socket = (SSLSocket)trusting.getSocketFactory().createSocket(connect(port), ThrottledTestSupport.LOCALHOST, port, true))
                {
                    socket.startHandshake();
                    socket.setSoLinger(true, 0);
                }
            }
            default -> throw new IllegalArgumentException("way " + way);
        }
    }

    private static SSLContext sslContext(KeyStore trusted)
    {
        try
        {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        }
        catch (Exception x)
        {
            throw new IllegalStateException(x);
        }
    }

    private static Socket connect(int port) throws IOException
    {
        Socket socket = new Socket();
        socket.setSoTimeout(20_000);
        socket.connect(new InetSocketAddress(ThrottledTestSupport.LOCALHOST, port), 10_000);
        return socket;
    }

    private static void drain(InputStream in) throws IOException
    {
        byte[] buffer = new byte[1024];
        try
        {
            while (in.read(buffer) >= 0)
            {
                // the server may send a TLS alert before it closes
            }
        }
        catch (IOException x)
        {
            // a reset after the alert is one of the ways the server may end it
        }
    }

    private Reply tlsGet(int port) throws IOException
    {
        try (SSLSocket socket = (SSLSocket)trusting.getSocketFactory().createSocket(connect(port), ThrottledTestSupport.LOCALHOST, port, true))
        {
            OutputStream out = socket.getOutputStream();
            out.write(ThrottledTestSupport.request().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return ThrottledTestSupport.readReply(socket.getInputStream());
        }
    }

    @Test
    void sheddingOnTlsClosesWithoutWritingClearText() throws Exception
    {
        connector.setOverloadPolicy(OverloadPolicy.SHED);
        int port = connector.getLocalPort();
        connector.setIdleTimeout(30_000);
        handler.hold();
        List<Future<Reply>> held = new ArrayList<>();
        for (int i = 0; i < LIMIT; i++)
            held.add(fixture.clients().submit(() -> tlsGet(port)));
        await().atMost(AT_MOST).until(() -> handler.parked() == LIMIT);

        for (int i = 0; i < 5; i++)
        {
            try (Socket socket = connect(port))
            {
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            }
        }
        assertThat(connector.getShedConnections()).isEqualTo(5);

        handler.releaseAll();
        for (Future<Reply> reply : held)
            assertThat(reply.get(AT_MOST.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(200);
    }
}
