package dev.nserv.jetty;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class RequestHeaderDeadlineTest
{
    private final List<Socket> sockets = new ArrayList<>();
    private Server server;
    private ThrottledServerConnector connector;
    private RequestHeaderDeadline deadline;

    @AfterEach
    void tearDown() throws Exception
    {
        for (Socket socket : sockets)
            socket.close();
        if (server != null)
            server.stop();
    }

    /** Answers 200; {@code /slow} takes 1.5 s (a request being handled, which the deadline must not touch). */
    private static final class Answer extends Handler.Abstract
    {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception
        {
            if (Request.getPathInContext(request).equals("/slow"))
                Thread.sleep(1500); // the handler under test is slow on purpose; the test itself waits with Awaitility
            response.setStatus(200);
            response.write(true, StandardCharsets.US_ASCII.encode("ok"), callback);
            return true;
        }
    }

    private void start(int maxConnections, long timeoutMs, long atLimitMs) throws Exception
    {
        server = new Server();
        connector = new ThrottledServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setMaxConnections(maxConnections);
        connector.setAcceptQueueSize(128);
        server.addConnector(connector);
        server.setHandler(new Answer());
        deadline = new RequestHeaderDeadline(server);
        deadline.setTimeoutAtLimit(atLimitMs);
        deadline.setTimeout(timeoutMs);
        server.addBean(deadline);
        server.start();
    }

    private Socket connect() throws IOException
    {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.connect(new InetSocketAddress("127.0.0.1", connector.getLocalPort()), 5000);
        socket.setSoTimeout(100);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException
    {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** @return true once the server closed the connection; false while it is open (reads with a short timeout) */
    private static boolean closedByServer(Socket socket)
    {
        try
        {
            InputStream in = socket.getInputStream();
            while (true)
            {
                int c = in.read();
                if (c == -1)
                    return true;
            }
        }
        catch (SocketTimeoutException open)
        {
            return false;
        }
        catch (IOException reset)
        {
            return true;
        }
    }

    private static String readResponse(Socket socket) throws IOException
    {
        socket.setSoTimeout(10_000);
        StringBuilder text = new StringBuilder();
        InputStream in = socket.getInputStream();
        while (!text.toString().endsWith("ok"))
        {
            int c = in.read();
            if (c == -1)
                break;
            text.append((char)c);
        }
        return text.toString();
    }

    @Test
    void aHeaderTrickledByteByByteIsClosedAtTheDeadlineThoughEachByteResetsTheIdleTimeout() throws Exception
    {
        start(100, 600, 200);
        Socket slow = connect();
        send(slow, "GET / HTTP/1.1\r\nHo");
        long sent = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() ->
        {
            try
            {
                send(slow, "s");
            }
            catch (IOException closed)
            {
                return true;
            }
            return closedByServer(slow);
        });
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(Duration.ofMillis(550));
        assertThat(deadline.getClosedConnections()).isEqualTo(1);
        assertThat(deadline.getClosedAtLimit()).isZero();
    }

    @Test
    void aConnectionThatNeverSendsARequestIsClosedAtTheDeadline() throws Exception
    {
        start(100, 500, 200);
        Socket silent = connect();
        await().atMost(Duration.ofSeconds(5)).until(() -> closedByServer(silent));
        assertThat(deadline.getClosedConnections()).isEqualTo(1);
    }

    @Test
    void requestsBeingHandledAndIdleKeptAliveConnectionsAreNotTouched() throws Exception
    {
        start(100, 400, 200);
        Socket handled = connect();
        send(handled, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(readResponse(handled)).startsWith("HTTP/1.1 200").endsWith("ok");
        Socket idle = connect();
        send(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(readResponse(idle)).startsWith("HTTP/1.1 200");
        idle.setSoTimeout(100);
        handled.setSoTimeout(100);
        await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3)).until(() -> !closedByServer(idle) && !closedByServer(handled));
        assertThat(deadline.getClosedConnections()).isZero();
        // the next request on the kept-alive connection is served
        send(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(readResponse(idle)).startsWith("HTTP/1.1 200");
    }

    @Test
    void atTheLimitSlowClientsGiveTheirSlotToTheClientWaitingInTheBacklog() throws Exception
    {
        start(3, 30_000, 300);
        for (int i = 0; i < 3; i++)
            send(connect(), "GET / HTTP/1.1\r\nHo");
        await().atMost(Duration.ofSeconds(5)).until(() -> connector.getActiveConnections() == 3);
        long started = System.nanoTime();
        Socket legitimate = connect();
        send(legitimate, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(readResponse(legitimate)).startsWith("HTTP/1.1 200").endsWith("ok");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(deadline.getClosedAtLimit()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void underShedANewClientGetsTheSlotOfAClientPastTheShortDeadlineInsteadOfBeingShed() throws Exception
    {
        start(3, 30_000, 600);
        connector.setOverloadPolicy(OverloadPolicy.SHED);
        long slowSince = System.nanoTime();
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            Socket socket = connect();
            send(socket, "GET / HTTP/1.1\r\nHo");
            slow.add(socket);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> connector.getActiveConnections() == 3);
        // every slot is taken by a client that has sent part of a header: the newcomer is held, not shed, until the
        // slowest passes the short deadline and gives its slot up
        long shedBefore = connector.getShedConnections();
        Socket legitimate = connect();
        send(legitimate, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(readResponse(legitimate)).startsWith("HTTP/1.1 200").endsWith("ok");
        assertThat(Duration.ofNanos(System.nanoTime() - slowSince)).isGreaterThanOrEqualTo(Duration.ofMillis(550));
        assertThat(connector.getShedConnections()).isEqualTo(shedBefore);
        assertThat(deadline.getClosedAtLimit()).isGreaterThanOrEqualTo(1);
        assertThat(slow.stream().filter(RequestHeaderDeadlineTest::closedByServer).count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void settersRefuseValuesThatCannotWork() throws Exception
    {
        RequestHeaderDeadline bean = new RequestHeaderDeadline(new Server());
        assertThatThrownBy(() -> bean.setTimeout(10)).hasMessageContaining("at least 100 ms, was 10 ms");
        assertThatThrownBy(() -> bean.setTimeoutAtLimit(0)).hasMessageContaining("at least 100 ms, was 0 ms");
        bean.setTimeout(500);
        bean.setTimeoutAtLimit(800);
        assertThatThrownBy(bean::start).hasMessageContaining("at the limit (800 ms) must not exceed the timeout (500 ms)");
    }
}
