package dev.nserv.jetty.logging;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.nserv.jetty.RawHttp;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Only requests on the server's own network connectors reach the access log; warm-up requests never do. */
class AccessLogsTest
{
    private final Server server = new Server();
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private ServerConnector warmUpSocket;

    @AfterEach
    void stop() throws Exception
    {
        if (warmUpSocket != null)
            warmUpSocket.stop();
        server.stop();
    }

    @Test
    void warmUpRequestsInProcessAndOverAPrivateSocketAreLeftOut() throws Exception
    {
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        LocalConnector local = new LocalConnector(server);
        server.addConnector(local);
        server.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
            {
                response.write(true, ByteBuffer.wrap("ok\n".getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        RequestLog log = (request, response) -> logged.add(Request.getPathInContext(request));
        server.setRequestLog(AccessLogs.networkOnly(log));
        server.start();
        // like the warm-up's private connector: same server, never added to it
        warmUpSocket = new ServerConnector(server, 1, 1, connector.getConnectionFactory(HttpConnectionFactory.class));
        warmUpSocket.setHost("127.0.0.1");
        warmUpSocket.setPort(0);
        warmUpSocket.start();

        assertThat(RawHttp.getOnce(connector.getLocalPort(), "/client").status()).isEqualTo(200);
        assertThat(RawHttp.getOnce(warmUpSocket.getLocalPort(), "/private").status()).isEqualTo(200);
        assertThat(local.getResponse("GET /local HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).contains("200");

        // Jetty writes the request log after the response has gone out: wait for the entry, then make sure that
        // no other entry follows
        await().atMost(Duration.ofSeconds(5)).until(() -> !logged.isEmpty());
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(logged).containsExactly("/client"));
    }
}
