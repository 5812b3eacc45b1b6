package dev.nserv.jetty.launcher;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.nserv.jetty.NservServer;
import dev.nserv.jetty.ThrottledServerConnector;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HTTPS from a key store or from PEM files, HTTP/2 through ALPN, h2c on the plain port, and HTTP/2 during a drain. */
class HttpsAndHttp2Test
{
    @TempDir
    static Path keys;
    static Path keystore;
    static Path certPem;
    static Path keyPem;

    private NservServer nserv;
    private HttpClient client;

    @BeforeAll
    static void makeKeys() throws Exception
    {
        keystore = keys.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
            "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
            "-storepass", "secret", "-keypass", "secret").redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore))
        {
            store.load(in, "secret".toCharArray());
        }
        PrivateKey key = (PrivateKey)store.getKey("server", "secret".toCharArray());
        Certificate cert = store.getCertificate("server");
        certPem = Files.writeString(keys.resolve("cert.pem"), pem("CERTIFICATE", cert.getEncoded()));
        keyPem = Files.writeString(keys.resolve("key.pem"), pem("PRIVATE KEY", key.getEncoded()));
    }

    private static String pem(String type, byte[] der)
    {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    @AfterEach
    void tearDown() throws Exception
    {
        if (client != null)
            client.stop();
        if (nserv != null)
        {
            nserv.stop();
            assertThat(nserv.awaitStopped(Duration.ofSeconds(30))).isTrue();
        }
    }

    private void start(String... tls) throws Exception
    {
        String[] base = {"--host", "127.0.0.1", "--port", "0", "--https-port", "0"};
        String[] args = new String[base.length + tls.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(tls, 0, args, base.length, tls.length);
        LauncherOptions options = LauncherOptions.parse(args);
        nserv = new ServerAssembler(options).assemble();
        nserv.start();

        SslContextFactory.Client ssl = new SslContextFactory.Client(true);
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(ssl);
        HTTP2Client http2 = new HTTP2Client(connector);
        client = new HttpClient(new HttpClientTransportDynamic(connector, new ClientConnectionFactoryOverHTTP2.HTTP2(http2)));
        client.start();
    }

    private int port(String name)
    {
        for (var connector : nserv.getServer().getConnectors())
        {
            if (connector.getName().equals(name))
                return ((ThrottledServerConnector)connector).getLocalPort();
        }
        throw new AssertionError("no connector " + name);
    }

    @Test
    void pemCertificateServesHttp2OverTlsAndH2c() throws Exception
    {
        start("--cert", certPem.toString(), "--key", keyPem.toString());
        ContentResponse tls = client.newRequest("https://127.0.0.1:" + port(ServerAssembler.HTTPS) + "/").timeout(20, TimeUnit.SECONDS).send();
        assertThat(tls.getStatus()).isEqualTo(200);
        assertThat(tls.getVersion()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(tls.getContentAsString()).startsWith("pid=");

        ContentResponse h2c = client.newRequest("http://127.0.0.1:" + port(ServerAssembler.HTTP) + "/").version(HttpVersion.HTTP_2).timeout(20, TimeUnit.SECONDS).send();
        assertThat(h2c.getStatus()).isEqualTo(200);
        assertThat(h2c.getVersion()).isEqualTo(HttpVersion.HTTP_2);
    }

    @Test
    void keystoreServesHttpsAndAWrongPasswordIsAClearError() throws Exception
    {
        start("--keystore", keystore.toString(), "--keystore-password", "secret");
        ContentResponse tls = client.newRequest("https://127.0.0.1:" + port(ServerAssembler.HTTPS) + "/").timeout(20, TimeUnit.SECONDS).send();
        assertThat(tls.getStatus()).isEqualTo(200);

        // An empty webapps directory: the demo webapp's JMX names are taken by the server still running above.
        Path empty = Files.createDirectories(keys.resolve("no-webapps"));
        LauncherOptions wrong = LauncherOptions.parse("--host", "127.0.0.1", "--port", "0", "--https-port", "0", "--keystore", keystore.toString(),
            "--keystore-password", "nope", "--webapps", empty.toString());
        NservServer failing = new ServerAssembler(wrong).assemble();
        assertThatThrownBy(failing::start).satisfies(x -> assertThat(Main.describe(x)).containsIgnoringCase("password"));
    }

    @Test
    void http2StreamInFlightCompletesDuringTheDrain() throws Exception
    {
        start("--cert", certPem.toString(), "--key", keyPem.toString());
        // Jetty's low-level HTTP/2 client, not HttpClient: Jetty 12.1's HttpClient over HTTP/2 aborts its own last
        // exchange when the server's GOAWAY and that stream's final DATA frame arrive together (it closes the
        // session from the stream's removal, before the exchange completes) -- a client-side race, seen here.
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(new SslContextFactory.Client(true));
        HTTP2Client http2 = new HTTP2Client(connector);
        http2.start();
        try
        {
            int port = port(ServerAssembler.HTTPS);
            Session session = http2.connect(connector.getSslContextFactory(), new InetSocketAddress("127.0.0.1", port), new Session.Listener() {})
                .get(20, TimeUnit.SECONDS);
            CompletableFuture<String> slow = get(session, "https://127.0.0.1:" + port + "/slow?ms=1500");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> nserv.getDrainHandler().getRequestsInFlight() == 1);
            nserv.stop();
            assertThat(slow.get(30, TimeUnit.SECONDS)).startsWith("200 ").contains("slept=1500");
            assertThat(nserv.awaitStopped(Duration.ofSeconds(30))).isTrue();
        }
        finally
        {
            http2.stop();
        }
    }

    /** One GET on an HTTP/2 session; completes with "STATUS BODY" once the stream's last frame arrived. */
    private static CompletableFuture<String> get(Session session, String url)
    {
        CompletableFuture<String> result = new CompletableFuture<>();
        StringBuilder text = new StringBuilder();
        MetaData.Request request = new MetaData.Request("GET", HttpURI.from(url), HttpVersion.HTTP_2, HttpFields.EMPTY);
        session.newStream(new HeadersFrame(request, null, true), new Stream.Listener()
        {
            @Override
            public void onHeaders(Stream stream, HeadersFrame frame)
            {
                if (frame.getMetaData() instanceof MetaData.Response response)
                    text.append(response.getStatus()).append(' ');
                if (frame.isEndStream())
                    result.complete(text.toString());
                else
                    stream.demand();
            }

            @Override
            public void onDataAvailable(Stream stream)
            {
                Stream.Data data = stream.readData();
                if (data == null)
                {
                    stream.demand();
                    return;
                }
                text.append(StandardCharsets.UTF_8.decode(data.frame().getByteBuffer()));
                data.release();
                if (data.frame().isEndStream())
                    result.complete(text.toString());
                else
                    stream.demand();
            }

            @Override
            public void onReset(Stream stream, org.eclipse.jetty.http2.frames.ResetFrame frame, org.eclipse.jetty.util.Callback callback)
            {
                result.completeExceptionally(new java.io.IOException("stream reset: error " + frame.getError()));
                callback.succeeded();
            }
        }).whenComplete((stream, failure) ->
        {
            if (failure != null)
                result.completeExceptionally(failure);
        });
        return result;
    }
}
