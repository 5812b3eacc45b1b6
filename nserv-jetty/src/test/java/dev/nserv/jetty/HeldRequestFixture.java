package dev.nserv.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.awaitility.Awaitility.await;

/**
 * <p>The setup shared by the drain tests: a server with one connector on 127.0.0.1 port 0 (one acceptor, one
 * selector, so that what parking does to it is deterministic), a pool of client threads, and requests that the
 * application holds until the test releases them. After each test the held requests are released, the server
 * stopped and the clients shut down. A test adds its handler and beans, then starts the server:</p>
 * <pre>{@code
 * @RegisterExtension
 * final HeldRequestFixture fixture = new HeldRequestFixture();
 *
 * fixture.server.setHandler(handler);   // its handler calls fixture.answerWhenReleased(...) for a held path
 * fixture.server.start();
 * Future<RawHttp.Response> held = fixture.holdOne("/block");
 * fixture.release();
 * }</pre>
 */
final class HeldRequestFixture implements AfterEachCallback
{
    final ExecutorService clients = Executors.newCachedThreadPool();
    final Server server = new Server();
    final ServerConnector connector = new ServerConnector(server, 1, 1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger held = new AtomicInteger();

    HeldRequestFixture()
    {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception
    {
        release.countDown();
        server.stop();
        clients.shutdownNow();
    }

    /** Lets every held request, and every one held from now on, answer. */
    void release()
    {
        release.countDown();
    }

    /**
     * Waits until the test releases the requests, for a handler's own way of holding one.
     * @return true once released, false when {@code ms} passed first
     */
    boolean awaitRelease(long ms) throws InterruptedException
    {
        return release.await(ms, TimeUnit.MILLISECONDS);
    }

    /**
     * Counts a held request; for a handler that holds it its own way and then calls {@link #awaitRelease(long)}.
     */
    void holding()
    {
        held.incrementAndGet();
    }

    /**
     * Holds a request in the application: answers {@code body} once the test releases it, from a client thread, or
     * fails the request when that takes over 30 s.
     */
    void answerWhenReleased(Response response, Callback callback, String body)
    {
        holding();
        clients.execute(() ->
        {
            try
            {
                if (awaitRelease(30_000))
                    response.write(true, bytes(body), callback);
                else
                    callback.failed(new IllegalStateException("never released"));
            }
            catch (InterruptedException x)
            {
                callback.failed(x);
            }
        });
    }

    static ByteBuffer bytes(String text)
    {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Sends a GET on a new connection and reads the answer. */
    RawHttp.Response get(String path) throws Exception
    {
        return RawHttp.getOnce(connector.getLocalPort(), path);
    }

    /**
     * Sends a GET that the application holds, and returns once it is held.
     * @return the answer, which comes after {@link #release()}
     */
    Future<RawHttp.Response> holdOne(String path)
    {
        int before = held.get();
        Future<RawHttp.Response> response = clients.submit(() -> get(path));
        await().atMost(Duration.ofSeconds(10)).until(() -> held.get() == before + 1);
        return response;
    }

    /** @return the server's stop, run on a client thread */
    Future<?> stopInBackground()
    {
        return clients.submit(() ->
        {
            server.stop();
            return null;
        });
    }
}
