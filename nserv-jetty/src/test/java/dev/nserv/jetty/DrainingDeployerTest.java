package dev.nserv.jetty;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.deploy.Deployer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
    @RegisterExtension
    final HeldRequestFixture fixture = new HeldRequestFixture();
    private final ExecutorService clients = fixture.clients;
    private final Server server = fixture.server;
    private final List<String> removed = new CopyOnWriteArrayList<>();
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
                response.write(true, HeldRequestFixture.bytes(name + "\n"), callback);
                return true;
            }
            fixture.answerWhenReleased(response, callback, name + " released\n");
            return true;
        }
    }

    @BeforeEach
    void start() throws Exception
    {
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

    private ContextHandler deploy(String name)
    {
        ContextHandler context = new ContextHandler(new NamedHandler(name), "/app");
        context.setDisplayName(name);
        deployer.deploy(context);
        return context;
    }

    @Test
    void undeployLetsTheRequestInFlightFinishAndStopsTheContextAfterIt() throws Exception
    {
        ContextHandler context = deploy("v1");
        assertThat(fixture.get("/app/x").body()).isEqualTo("v1\n");
        Future<RawHttp.Response> inFlight = fixture.holdOne("/app/hold");

        CompletableFuture<Void> undeploy = CompletableFuture.runAsync(() -> deployer.undeploy(context), clients);

        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.get("/app/x").status() == 404);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !undeploy.isDone() && context.isStarted());
        assertThat(removed).isEmpty();

        fixture.release();
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
        fixture.holdOne("/app/hold");

        long start = System.nanoTime();
        deployer.undeploy(context);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200)).isLessThan(Duration.ofSeconds(10));
        assertThat(context.isStopped()).isTrue();
        assertThat(fixture.get("/app/x").status()).isEqualTo(404);
        assertThat(removed).containsExactly("v1");
    }

    @Test
    void undeployWithNothingInFlightStopsAtOnce() throws Exception
    {
        ContextHandler context = deploy("v1");

        deployer.undeploy(context);

        assertThat(context.isStopped()).isTrue();
        assertThat(fixture.get("/app/x").status()).isEqualTo(404);
        assertThat(removed).containsExactly("v1");
    }

    @Test
    void undeployOfAContextThatIsNotDeployedChangesNothing() throws Exception
    {
        deploy("v1");
        ContextHandler stranger = new ContextHandler(new NamedHandler("stranger"), "/other");

        deployer.undeploy(stranger);

        assertThat(fixture.get("/app/x").body()).isEqualTo("v1\n");
        assertThat(removed).isEmpty();
    }

    @Test
    void redeployServesNewRequestsFromTheNewContextAndStopsTheOldOneAfterItsRequests() throws Exception
    {
        ContextHandler old = deploy("v1");
        Future<RawHttp.Response> inFlight = fixture.holdOne("/app/hold");
        ContextHandler replacement = new ContextHandler(new NamedHandler("v2"), "/app");
        replacement.setDisplayName("v2");

        CompletableFuture<Void> redeploy = CompletableFuture.runAsync(() -> deployer.redeploy(old, replacement), clients);

        await().atMost(Duration.ofSeconds(10)).until(() -> "v2\n".equals(fixture.get("/app/x").body()));
        assertThat(old.isStarted()).as("the old context still runs its request").isTrue();

        fixture.release();
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
