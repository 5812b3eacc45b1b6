package dev.nserv.jetty;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every way a request can end, with and without a drain under way: the in-flight count returns to 0, the drain's
 * future completes with the last request, and no request is refused with 503.
 */
class DrainHandlerTest
{
    /** How the application handler ends a request, chosen by the request path. */
    enum Exit
    {
        /** writes 200 and succeeds the callback */
        SUCCEED("/succeed", 200),
        /** throws from handle() before touching the callback: Jetty answers 500 */
        THROW("/throw", 500),
        /** fails the callback: Jetty answers 500 */
        FAIL("/fail", 500),
        /** fails the callback and then throws as well: counted once all the same */
        FAIL_THEN_THROW("/fail-then-throw", 500),
        /** declines the request: Jetty answers 404 */
        DECLINE("/decline", 404);

        final String path;
        final int status;

        Exit(String path, int status)
        {
            this.path = path;
            this.status = status;
        }
    }

    @RegisterExtension
    final HeldRequestFixture fixture = new HeldRequestFixture();
    private final Server server = fixture.server;
    private final ServerConnector connector = fixture.connector;
    private DrainHandler drain;
    private ContextHandler context;

    /** The application: ends each request as its path says; {@code /block} answers once the test releases it. */
    private final class ExitHandler extends Handler.Abstract
    {
        @Override
        public boolean handle(Request request, Response response, Callback callback)
        {
            String path = Request.getPathInContext(request);
            switch (path)
            {
                case "/succeed" -> response.write(true, HeldRequestFixture.bytes("ok\n"), callback);
                case "/throw" -> throw new IllegalStateException("thrown by the test handler");
                case "/fail" -> callback.failed(new IllegalStateException("failed by the test handler"));
                case "/fail-then-throw" ->
                {
                    IllegalStateException failure = new IllegalStateException("failed and thrown by the test handler");
                    callback.failed(failure);
                    throw failure;
                }
                case "/block" -> fixture.answerWhenReleased(response, callback, "released\n");
                default ->
                {
                    return false;
                }
            }
            return true;
        }
    }

    @BeforeEach
    void start() throws Exception
    {
        // This test is about the handler: keep Jetty's shutdown idle timeout out of the way.
        connector.setShutdownIdleTimeout(-1);
        context = new ContextHandler(new ExitHandler(), "/");
        drain = new DrainHandler(context);
        server.setHandler(drain);
        server.setStopTimeout(30_000);
        server.start();
    }

    @ParameterizedTest
    @EnumSource(Exit.class)
    void requestEndsAndIsCountedOnceWithoutADrain(Exit exit) throws Exception
    {
        RawHttp.Response response = fixture.get(exit.path);

        assertThat(response.status()).isEqualTo(exit.status);
        await().atMost(Duration.ofSeconds(5)).until(() -> drain.getRequestsInFlight() == 0);
        assertThat(drain.getRequestsHandled()).isEqualTo(1);
        assertThat(drain.isDraining()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Exit.class)
    void requestDuringTheDrainIsServedNotRefusedAndTheDrainEndsWithTheLastRequest(Exit exit) throws Exception
    {
        Future<RawHttp.Response> held = fixture.holdOne("/block");
        CompletableFuture<Void> drained = drain.shutdown();
        assertThat(drain.isDraining()).isTrue();
        assertThat(context.getAttribute(DrainHandler.DRAINING_ATTRIBUTE)).isEqualTo(Boolean.TRUE);

        RawHttp.Response response = fixture.get(exit.path);

        assertThat(response.status()).as("served as usual, never 503").isEqualTo(exit.status);
        await().atMost(Duration.ofSeconds(5)).until(() -> drain.getRequestsInFlight() == 1);
        assertThat(drained).as("the held request is still in flight").isNotDone();

        fixture.release();
        assertThat(held.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(drained.get(10, TimeUnit.SECONDS)).isNull();
        assertThat(drain.getRequestsInFlight()).isZero();
        assertThat(drain.getRequestsHandled()).isEqualTo(2);
    }

    @Test
    void drainWithNothingInFlightIsDoneAtOnce()
    {
        assertThat(drain.shutdown()).isCompleted();
        assertThat(drain.isShutdown()).isTrue();
    }

    @Test
    void serverStopWaitsForTheRequestInFlightAndServesAKeptAliveConnectionMeanwhile() throws Exception
    {
        RawHttp keptAlive = new RawHttp(connector.getLocalPort());
        try
        {
            assertThat(keptAlive.get(Exit.SUCCEED.path).status()).isEqualTo(200);
            Future<RawHttp.Response> held = fixture.holdOne("/block");
            Future<?> stopped = fixture.stopInBackground();
            await().atMost(Duration.ofSeconds(10)).until(drain::isDraining);

            RawHttp.Response during = keptAlive.get(Exit.SUCCEED.path);
            assertThat(during.status()).as("not the 503 of Jetty's GracefulHandler").isEqualTo(200);
            assertThat(during.header("Connection")).isEqualTo("close");
            assertThat(keptAlive.isClosedByServer()).isTrue();
            // Closing our end lets the connector drop the connection: its shutdown waits for every connection.
            keptAlive.close();
            assertThat(stopped).as("the stop waits for the held request").isNotDone();

            fixture.release();
            assertThat(held.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            stopped.get(10, TimeUnit.SECONDS);
            assertThat(drain.getRequestsInFlight()).isZero();
            assertThat(drain.isDraining()).as("stays drained while stopped").isTrue();
        }
        finally
        {
            keptAlive.close();
        }
    }

    @Test
    void restartResetsTheDrain() throws Exception
    {
        drain.shutdown();
        server.stop();
        server.start();

        assertThat(drain.isDraining()).isFalse();
        assertThat(fixture.get(Exit.SUCCEED.path).status()).isEqualTo(200);
    }
}
