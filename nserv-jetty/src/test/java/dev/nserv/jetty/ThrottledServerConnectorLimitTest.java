package dev.nserv.jetty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.nserv.jetty.ThrottledTestSupport.HoldingHandler;
import dev.nserv.jetty.ThrottledTestSupport.OpenConnections;
import dev.nserv.jetty.ThrottledTestSupport.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The limit is exact under hundreds of concurrent clients, follows live changes both ways, and the SHED policy
 * answers 503 to clients over it.
 */
class ThrottledServerConnectorLimitTest
{
    private static final Duration AT_MOST = Duration.ofSeconds(20);
    private static final Duration STEADY = Duration.ofMillis(300);

    @RegisterExtension
    final ThrottledConnectorFixture fixture = new ThrottledConnectorFixture();
    private final HoldingHandler handler = fixture.handler();
    private final OpenConnections open = fixture.open();
    private ThrottledServerConnector connector;

    private void start(int acceptors, int maxConnections, int clientThreads) throws Exception
    {
        connector = fixture.acceptors(acceptors).maxConnections(maxConnections).clientThreads(clientThreads).start();
    }

    private List<Future<Reply>> sendConcurrently(int count)
    {
        int port = connector.getLocalPort();
        List<Future<Reply>> replies = new ArrayList<>();
        for (int i = 0; i < count; i++)
            replies.add(fixture.clients().submit(() -> ThrottledTestSupport.get(port)));
        return replies;
    }

    private static List<Integer> statuses(List<Future<Reply>> replies) throws Exception
    {
        List<Integer> statuses = new ArrayList<>();
        for (Future<Reply> reply : replies)
            statuses.add(reply.get(AT_MOST.toSeconds(), TimeUnit.SECONDS).status());
        return statuses;
    }

    @ParameterizedTest(name = "{0} acceptor(s)")
    @ValueSource(ints = {1, 4})
    void limitIsExactUnderHundredsOfConcurrentClients(int acceptors) throws Exception
    {
        int limit = 10;
        int clientCount = 300;
        start(acceptors, limit, clientCount);
        handler.hold();

        List<Future<Reply>> replies = sendConcurrently(clientCount);

        await().atMost(AT_MOST).until(() -> handler.parked() == limit);
        assertThat(connector.getActiveConnections()).isEqualTo(limit);
        // Every acceptor now waits for a permit; the other clients wait in the backlog, not accepted.
        await().atMost(AT_MOST).until(() -> connector.getWaitingAcceptors() == acceptors);
        await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() ->
            connector.getAcceptedConnections() == limit && connector.getActiveConnections() == limit &&
                open.open() == limit && handler.parked() == limit);

        handler.releaseAll();

        assertThat(statuses(replies)).hasSize(clientCount).containsOnly(200);
        await().atMost(AT_MOST).until(() -> connector.getActiveConnections() == 0 && connector.heldPermits() == acceptors);
        assertThat(connector.getAcceptedConnections()).isEqualTo(clientCount);
        assertThat(connector.getPeakConnections()).isEqualTo(limit);
        assertThat(open.max()).isEqualTo(limit);
        assertThat(connector.getShedConnections()).isZero();
    }

    @Test
    void raisingLetsWaitingClientsInAtOnceAndLoweringClosesNothing() throws Exception
    {
        int clientCount = 40;
        start(2, 5, clientCount);
        handler.hold();
        List<Future<Reply>> replies = sendConcurrently(clientCount);
        await().atMost(AT_MOST).until(() -> handler.parked() == 5 && connector.getWaitingAcceptors() == 2);

        connector.setMaxConnections(15);
        await().atMost(AT_MOST).until(() -> handler.parked() == 15 && connector.getActiveConnections() == 15);
        await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() -> connector.getAcceptedConnections() == 15);

        connector.setMaxConnections(3);
        // Lowering closes nothing.
        await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() ->
            connector.getActiveConnections() == 15 && open.open() == 15 && handler.parked() == 15);

        // As connections end, nothing new is accepted until fewer than 3 are open.
        handler.release(12);
        await().atMost(AT_MOST).until(() -> connector.getActiveConnections() == 3 && open.open() == 3);
        await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() ->
            connector.getAcceptedConnections() == 15 && connector.getActiveConnections() == 3);

        connector.resetPeak();
        open.resetMax();
        assertThat(connector.getPeakConnections()).isEqualTo(3);
        handler.releaseAll();

        assertThat(statuses(replies)).hasSize(clientCount).containsOnly(200);
        assertThat(connector.getAcceptedConnections()).isEqualTo(clientCount);
        assertThat(connector.getPeakConnections()).isEqualTo(3);
        assertThat(open.max()).isLessThanOrEqualTo(3);
    }

    @Test
    void loweringWhileAcceptorsHoldPermitsInAcceptDoesNotAdmitOverTheNewLimit() throws Exception
    {
        // 4 acceptors each hold a permit while blocked in accept(): lowering must not let those permits through.
        start(4, 20, 16);
        handler.hold();
        List<Future<Reply>> first = sendConcurrently(2);
        await().atMost(AT_MOST).until(() -> handler.parked() == 2 && connector.heldPermits() == 2 + 4);

        connector.setMaxConnections(2);
        List<Future<Reply>> more = sendConcurrently(6);
        await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() ->
            connector.getActiveConnections() == 2 && open.open() == 2 && handler.parked() == 2);
        // The acceptors accepted the new clients but keep them waiting for room under the new limit.
        assertThat(connector.getWaitingAcceptors()).isEqualTo(4);

        handler.releaseAll();
        assertThat(statuses(first)).containsOnly(200);
        assertThat(statuses(more)).hasSize(6).containsOnly(200);
        assertThat(open.max()).isEqualTo(2);
        assertThat(connector.getPeakConnections()).isEqualTo(2);
    }

    @Test
    void shedPolicyAnswers503WithRetryAfter() throws Exception
    {
        start(1, 2, 8);
        connector.setOverloadPolicy("shed");
        connector.setRetryAfterSeconds(7);
        handler.hold();
        List<Future<Reply>> held = sendConcurrently(2);
        await().atMost(AT_MOST).until(() -> handler.parked() == 2);

        for (int i = 0; i < 20; i++)
        {
            Reply reply = ThrottledTestSupport.get(connector.getLocalPort());
            assertThat(reply.status()).as(reply.text()).isEqualTo(503);
            assertThat(reply.hasHeader("Retry-After: 7")).as(reply.text()).isTrue();
            assertThat(reply.hasHeader("Connection: close")).as(reply.text()).isTrue();
        }
        assertThat(connector.getShedConnections()).isEqualTo(20);
        assertThat(connector.getActiveConnections()).isEqualTo(2);

        handler.releaseAll();
        assertThat(statuses(held)).containsOnly(200);
        await().atMost(AT_MOST).until(() -> connector.getActiveConnections() == 0);
        assertThat(ThrottledTestSupport.get(connector.getLocalPort()).status()).isEqualTo(200);
        assertThat(connector.getPeakConnections()).isEqualTo(2);
    }

    @Test
    void switchingToShedWhileAcceptorsHoldPermitsInAcceptShedsNoClientUnderTheLimit() throws Exception
    {
        // Started under WAIT, 3 of the 4 acceptors reserve a permit before blocking in accept(); after the switch
        // to SHED those reservations must not make the connector shed clients while it is under the limit.
        start(4, 3, 16);
        await().atMost(AT_MOST).until(() -> connector.reservedPermits() == 3 && connector.getWaitingAcceptors() == 1);
        connector.setOverloadPolicy(OverloadPolicy.SHED);
        handler.hold();

        List<Future<Reply>> held = sendConcurrently(3);
        await().atMost(AT_MOST).until(() -> handler.parked() == 3);
        assertThat(connector.getShedConnections()).isZero();
        assertThat(ThrottledTestSupport.get(connector.getLocalPort()).status()).isEqualTo(503);
        assertThat(connector.getActiveConnections()).isEqualTo(3);
        assertThat(open.max()).isEqualTo(3);

        handler.releaseAll();
        assertThat(statuses(held)).containsOnly(200);
        await().atMost(AT_MOST).until(() -> connector.getActiveConnections() == 0);
        List<Future<Reply>> after = sendConcurrently(12);
        assertThat(statuses(after)).hasSize(12).doesNotContain(-1);
        assertThat(connector.getPeakConnections()).isEqualTo(3);
        assertThat(open.max()).isEqualTo(3);
    }

    @Test
    void switchingToShedAnswersTheClientsWaitingInTheBacklogAtOnce() throws Exception
    {
        start(2, 2, 16);
        handler.hold();
        List<Future<Reply>> held = sendConcurrently(2);
        await().atMost(AT_MOST).until(() -> handler.parked() == 2 && connector.getWaitingAcceptors() == 2);
        List<Future<Reply>> waiting = sendConcurrently(10);
        await().during(STEADY).atMost(STEADY.multipliedBy(3)).until(() -> connector.getAcceptedConnections() == 2);

        connector.setOverloadPolicy(OverloadPolicy.SHED);

        assertThat(statuses(waiting)).hasSize(10).containsOnly(503);
        assertThat(connector.getShedConnections()).isEqualTo(10);
        assertThat(connector.getWaitingAcceptors()).isZero();

        connector.setOverloadPolicy(OverloadPolicy.WAIT);
        handler.releaseAll();
        assertThat(statuses(held)).containsOnly(200);
        assertThat(ThrottledTestSupport.get(connector.getLocalPort()).status()).isEqualTo(200);
    }
}
