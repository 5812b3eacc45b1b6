package dev.nserv.jetty;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class StopDeadlineTest
{
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger halted = new AtomicInteger(-1);
    private Server server;
    private Thread stopper;

    @AfterEach
    void tearDown() throws Exception
    {
        release.countDown();
        if (stopper != null)
            stopper.join(10_000);
        if (server != null)
            server.stop();
    }

    /** A webapp whose clean-up ignores interrupts until the test releases it. */
    private final class HangingCleanUp implements ServletContextListener
    {
        @Override
        public void contextDestroyed(ServletContextEvent event)
        {
            while (true)
            {
                try
                {
                    release.await();
                    return;
                }
                catch (InterruptedException ignored)
                {
                    // like the careless webapp this stands for
                }
            }
        }
    }

    private StopDeadline startAndStop(boolean hang, Duration deadline) throws Exception
    {
        server = new Server(0);
        ServletContextHandler context = new ServletContextHandler("/shop");
        context.setDisplayName("shop");
        if (hang)
            context.addEventListener(new HangingCleanUp());
        server.setHandler(context);
        server.start();
        StopDeadline stopDeadline = new StopDeadline(server, deadline, halted::set);
        stopper = new Thread(() ->
        {
            stopDeadline.arm();
            try
            {
                server.stop();
            }
            catch (Exception x)
            {
                throw new IllegalStateException(x);
            }
            stopDeadline.disarm();
        }, "test-stopper");
        stopper.start();
        return stopDeadline;
    }

    @Test
    void aStuckCleanUpIsNamedWithItsStackAndTheProcessHaltsNonZero() throws Exception
    {
        StopDeadline deadline = startAndStop(true, Duration.ofMillis(300));
        await().atMost(Duration.ofSeconds(10)).until(() -> halted.get() != -1);
        assertThat(halted.get()).isEqualTo(StopDeadline.EXIT_CODE);
        assertThat(deadline.lastReport())
            .contains("stop deadline of 300 ms passed")
            .contains("context /shop [shop]")
            .contains("thread \"test-stopper\"")
            .contains("HangingCleanUp.contextDestroyed");
    }

    @Test
    void aStopThatEndsInTimeNeverHalts() throws Exception
    {
        startAndStop(false, Duration.ofMillis(500));
        stopper.join(10_000);
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(() -> halted.get() == -1);
    }

    @Test
    void deadlineMustBePositive()
    {
        assertThatThrownBy(() -> new StopDeadline(new Server(), Duration.ZERO)).hasMessageContaining("stop deadline must be positive, was PT0S");
    }
}
