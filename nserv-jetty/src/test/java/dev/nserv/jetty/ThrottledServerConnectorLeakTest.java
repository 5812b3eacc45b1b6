package dev.nserv.jetty;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.nserv.jetty.ThrottledTestSupport.HoldingHandler;
import dev.nserv.jetty.ThrottledTestSupport.OpenConnections;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every close path gives the permit back: after 10,000 connections ended by normal closes, resets
 * (SO_LINGER 0) and half-sent requests, after idle timeouts, after a stop, and after sockets that never got an
 * EndPoint, no permit is held and the full limit can still be reached.
 */
class ThrottledServerConnectorLeakTest
{
    private static final Duration AT_MOST = Duration.ofSeconds(30);

    @RegisterExtension
    final ThrottledConnectorFixture fixture = new ThrottledConnectorFixture();
    private final HoldingHandler handler = fixture.handler();
    private final OpenConnections open = fixture.open();
    private ThrottledServerConnector connector;

    private void start(int maxConnections, long idleTimeout, int clientThreads) throws Exception
    {
        connector = fixture.acceptors(2).maxConnections(maxConnections).idleTimeout(idleTimeout).clientThreads(clientThreads).start();
    }

    @Test
    void noPermitLeaksAfterTenThousandConnectionsClosedEveryWay() throws Exception
    {
        // A limit below the number of client threads keeps acceptors waiting for permits throughout.
        int limit = 3;
        int threads = 4;
        int perThread = 2500;
        start(limit, 5_000, threads);
        int port = connector.getLocalPort();
        AtomicInteger ok = new AtomicInteger();

        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            int offset = t;
            work.add(fixture.clients().submit(() ->
            {
                for (int i = 0; i < perThread; i++)
                    closeOneWay(port, (i + offset) % 5, ok);
                return null;
            }));
        }
        for (Future<?> w : work)
            w.get(AT_MOST.toSeconds(), TimeUnit.SECONDS);

        await().atMost(AT_MOST).until(() -> connector.getActiveConnections() == 0 && open.open() == 0);
        // Only the acceptors' permits, each held while blocked in accept(), remain.
        assertThat(connector.heldPermits()).isEqualTo(connector.getAcceptors());
        assertThat(connector.getAcceptedConnections()).isEqualTo((long)threads * perThread);
        assertThat(ok.get()).isEqualTo(threads * perThread / 5 * 2);
        assertThat(connector.getPeakConnections()).isLessThanOrEqualTo(limit);
        assertThat(open.max()).isLessThanOrEqualTo(limit);
        assertFullLimitReachable(limit);
    }

    // 0: a request answered and closed by the server; 1: a request then a reset before the answer is read;
    // 2: a reset right after connecting; 3: half a request then a FIN; 4: a keep-alive request, then a FIN.
    private static void closeOneWay(int port, int way, AtomicInteger ok) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.setSoTimeout(20_000);
            socket.connect(new InetSocketAddress(ThrottledTestSupport.LOCALHOST, port), 10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            switch (way)
            {
                case 0 ->
                {
                    out.write(ThrottledTestSupport.request().getBytes(StandardCharsets.US_ASCII));
                    if (ThrottledTestSupport.readReply(in).status() == 200)
                        ok.incrementAndGet();
                }
                case 1 ->
                {
                    out.write(ThrottledTestSupport.request().getBytes(StandardCharsets.US_ASCII));
                    socket.setSoLinger(true, 0);
                }
                case 2 -> socket.setSoLinger(true, 0);
                case 3 -> out.write("GET / HTTP/1.1\r\nHost: loc".getBytes(StandardCharsets.US_ASCII));
                case 4 ->
                {
                    out.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    byte[] reply = new byte[512];
                    // "ok" is the last thing of the response: stop there and leave the connection kept alive.
                    StringBuilder text = new StringBuilder();
                    int read;
                    while (!text.toString().endsWith("ok") && (read = in.read(reply)) > 0)
                        text.append(new String(reply, 0, read, StandardCharsets.US_ASCII));
                    if (text.toString().startsWith("HTTP/1.1 200"))
                        ok.incrementAndGet();
                }
                default -> throw new IllegalArgumentException("way " + way);
            }
        }
    }

    @Test
    void idleTimeoutsGiveThePermitsBack() throws Exception
    {
        int limit = 10;
        int silent = 40;
        start(limit, 300, silent);
        int port = connector.getLocalPort();

        List<Future<Integer>> ends = new ArrayList<>();
        for (int i = 0; i < silent; i++)
        {
            boolean halfRequest = i % 2 == 0;
            ends.add(fixture.clients().submit(() ->
            {
                try (Socket socket = new Socket())
                {
                    socket.setSoTimeout(20_000);
                    socket.connect(new InetSocketAddress(ThrottledTestSupport.LOCALHOST, port), 10_000);
                    if (halfRequest)
                        socket.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                    // The server's idle timeout ends the connection; the client just waits for the end.
                    InputStream in = socket.getInputStream();
                    while (in.read() >= 0)
                    {
                        // a half request may be answered 408 or 400 before the close: read through it
                    }
                    return 1;
                }
            }));
        }
        for (Future<Integer> end : ends)
            assertThat(end.get(AT_MOST.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);

        await().atMost(AT_MOST).until(() -> connector.getActiveConnections() == 0 && open.open() == 0);
        assertThat(connector.getAcceptedConnections()).isEqualTo(silent);
        assertThat(connector.heldPermits()).isEqualTo(connector.getAcceptors());
        assertThat(connector.getPeakConnections()).isEqualTo(limit);
        assertFullLimitReachable(limit);
    }

    @Test
    void stopAndRestartLeaveNoPermitHeld() throws Exception
    {
        int limit = 4;
        start(limit, 30_000, 8);
        handler.hold();
        int port = connector.getLocalPort();
        for (int i = 0; i < limit; i++)
            fixture.clients().submit(() -> ThrottledTestSupport.get(port));
        await().atMost(AT_MOST).until(() -> handler.parked() == limit);

        fixture.server().stop();
        assertThat(connector.getActiveConnections()).isZero();
        // Acceptor threads let go of their permits as they notice the stop.
        await().atMost(AT_MOST).until(() -> connector.heldPermits() == 0);

        handler.releaseAll();
        fixture.server().start();
        assertThat(ThrottledTestSupport.get(connector.getLocalPort()).status()).isEqualTo(200);
        assertFullLimitReachable(limit);
    }

    @Test
    void registrationFailuresWithoutAnEndPointGiveThePermitBack() throws Exception
    {
        // Jetty closes a socket whose EndPoint cannot be created and only tells SelectorManager.AcceptListeners.
        int limit = 2;
        AtomicInteger failuresLeft = new AtomicInteger(50);
        connector = fixture.maxConnections(limit).clientThreads(limit)
            .connectorFactory((server, acceptors, selectors, factories) -> new ThrottledServerConnector(server, acceptors, selectors, factories)
            {
                @Override
                protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) throws IOException
                {
                    if (failuresLeft.getAndDecrement() > 0)
                        throw new IOException("test: no EndPoint for " + channel);
                    return super.newEndPoint(channel, selector, key);
                }
            })
            .start();

        for (int i = 0; i < 50; i++)
            assertThat(ThrottledTestSupport.get(connector.getLocalPort()).status()).isEqualTo(-1);
        await().atMost(AT_MOST).until(() -> connector.getActiveConnections() == 0);
        assertThat(connector.heldPermits()).isEqualTo(connector.getAcceptors());
        assertThat(ThrottledTestSupport.get(connector.getLocalPort()).status()).isEqualTo(200);
        assertFullLimitReachable(limit);
    }

    private void assertFullLimitReachable(int limit) throws Exception
    {
        handler.hold();
        int port = connector.getLocalPort();
        List<Future<ThrottledTestSupport.Reply>> held = new ArrayList<>();
        for (int i = 0; i < limit; i++)
            held.add(fixture.clients().submit(() -> ThrottledTestSupport.get(port)));
        await().atMost(AT_MOST).until(() -> handler.parked() == limit && connector.getActiveConnections() == limit);
        handler.releaseAll();
        for (Future<ThrottledTestSupport.Reply> reply : held)
            assertThat(reply.get(AT_MOST.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(200);
    }
}
