package dev.nserv.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.deploy.Deployer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Undeploying (a WAR deleted) and redeploying (a WAR replaced) a context while a request runs in it: the request
 * ends normally, new requests never reach the old context, and the old context stops only after its requests ended
 * or the drain timeout passed.
 */
class DrainingDeployerTest
{
    private final ExecutorService clients = Executors.newCachedThreadPool();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger held = new AtomicInteger();
    private final List<String> removed = new CopyOnWriteArrayList<>();
    private Server server;
    private ServerConnector connector;
    private RedeployDrainingContexts contexts;
    private DrainingDeployer deployer;

    /** Answers its name; {@code /hold} answers once the test releases it. */
    private final class NamedHandler extends Handler.Abstract
    {
        private final String name;

        NamedHandler(String name)
        {
            this.name = name;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback)
        {
            if (!Request.getPathInContext(request).equals("/hold"))
            {
                response.write(true, ByteBuffer.wrap((name + "\n").getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
            held.incrementAndGet();
            clients.execute(() ->
            {
                try
                {
                    if (release.await(30, TimeUnit.SECONDS))
                        response.write(true, ByteBuffer.wrap((name + " released\n").getBytes(StandardCharsets.US_ASCII)), callback);
                    else
                        callback.failed(new IllegalStateException("never released"));
                }
                catch (InterruptedException x)
                {
                    callback.failed(x);
                }
            });
            return true;
        }
    }

    @BeforeEach
    void start() throws Exception
    {
        server = new Server();
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        contexts = new RedeployDrainingContexts();
        server.setHandler(contexts);
        deployer = new DrainingDeployer(contexts);
        deployer.addEventListener(new Deployer.Listener()
        {
            @Override
            public void onRemoved(ContextHandler contextHandler)
            {
                removed.add(contextHandler.getDisplayName());
            }
        });
        server.addBean(deployer);
        server.start();
    }

    @AfterEach
    void stop() throws Exception
    {
        release.countDown();
        server.stop();
        clients.shutdownNow();
    }

    private ContextHandler deploy(String name)
    {
        ContextHandler context = new ContextHandler(new NamedHandler(name), "/app");
        context.setDisplayName(name);
        deployer.deploy(context);
        return context;
    }

    private RawHttp.Response get(String path) throws Exception
    {
        return RawHttp.getOnce(connector.getLocalPort(), path);
    }

    private Future<RawHttp.Response> holdOne()
    {
        int before = held.get();
        Future<RawHttp.Response> response = clients.submit(() -> get("/app/hold"));
        await().atMost(Duration.ofSeconds(10)).until(() -> held.get() == before + 1);
        return response;
    }

    @Test
    void undeployLetsTheRequestInFlightFinishAndStopsTheContextAfterIt() throws Exception
    {
        ContextHandler context = deploy("v1");
        assertThat(get("/app/x").body()).isEqualTo("v1\n");
        Future<RawHttp.Response> inFlight = holdOne();

        CompletableFuture<Void> undeploy = CompletableFuture.runAsync(() -> deployer.undeploy(context), clients);

        await().atMost(Duration.ofSeconds(10)).until(() -> get("/app/x").status() == 404);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !undeploy.isDone() && context.isStarted());
        assertThat(removed).isEmpty();

        release.countDown();
        RawHttp.Response response = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("v1 released\n");
        undeploy.get(10, TimeUnit.SECONDS);
        assertThat(context.isStopped()).isTrue();
        assertThat(contexts.getHandlers()).doesNotContain(context);
        assertThat(removed).containsExactly("v1");
    }

    @Test
    void undeployStopsTheContextAnywayAfterTheDrainTimeout() throws Exception
    {
        contexts.setRedeployDrainTimeout(200);
        ContextHandler context = deploy("v1");
        holdOne();

        long start = System.nanoTime();
        deployer.undeploy(context);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200)).isLessThan(Duration.ofSeconds(10));
        assertThat(context.isStopped()).isTrue();
        assertThat(get("/app/x").status()).isEqualTo(404);
        assertThat(removed).containsExactly("v1");
    }

    @Test
    void undeployWithNothingInFlightStopsAtOnce() throws Exception
    {
        ContextHandler context = deploy("v1");

        deployer.undeploy(context);

        assertThat(context.isStopped()).isTrue();
        assertThat(get("/app/x").status()).isEqualTo(404);
        assertThat(removed).containsExactly("v1");
    }

    @Test
    void undeployOfAContextThatIsNotDeployedChangesNothing() throws Exception
    {
        deploy("v1");
        ContextHandler stranger = new ContextHandler(new NamedHandler("stranger"), "/other");

        deployer.undeploy(stranger);

        assertThat(get("/app/x").body()).isEqualTo("v1\n");
        assertThat(removed).isEmpty();
    }

    @Test
    void redeployServesNewRequestsFromTheNewContextAndStopsTheOldOneAfterItsRequests() throws Exception
    {
        ContextHandler old = deploy("v1");
        Future<RawHttp.Response> inFlight = holdOne();
        ContextHandler replacement = new ContextHandler(new NamedHandler("v2"), "/app");
        replacement.setDisplayName("v2");

        CompletableFuture<Void> redeploy = CompletableFuture.runAsync(() -> deployer.redeploy(old, replacement), clients);

        await().atMost(Duration.ofSeconds(10)).until(() -> "v2\n".equals(get("/app/x").body()));
        assertThat(old.isStarted()).as("the old context still runs its request").isTrue();

        release.countDown();
        assertThat(inFlight.get(10, TimeUnit.SECONDS).body()).isEqualTo("v1 released\n");
        redeploy.get(10, TimeUnit.SECONDS);
        assertThat(old.isStopped()).isTrue();
        assertThat(replacement.isStarted()).isTrue();
    }

    @Test
    void aNegativeDrainTimeoutIsRefusedWithTheFix()
    {
        assertThatThrownBy(() -> contexts.setRedeployDrainTimeout(-1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("was -1")
            .hasMessageContaining("use 0");
    }
}
