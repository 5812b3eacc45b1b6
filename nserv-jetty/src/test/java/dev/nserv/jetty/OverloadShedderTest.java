package dev.nserv.jetty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

import dev.nserv.jetty.ThrottledTestSupport.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A shed client reads a complete 503 and a clean end of stream, or only the end of stream when the shedder does
 * not answer; the socket is closed and counted either way.
 */
class OverloadShedderTest
{
    private final OverloadShedder shedder = new OverloadShedder();
    private ServerSocketChannel listener;

    @BeforeEach
    void listen() throws IOException
    {
        listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress(ThrottledTestSupport.LOCALHOST, 0));
    }

    @AfterEach
    void close() throws IOException
    {
        listener.close();
    }

    // The client's request, if any, is sent before the server side is accepted and shed, as when it waited in
    // the backlog.
    private Reply shedOne(boolean sendRequest) throws IOException
    {
        try (Socket client = new Socket())
        {
            client.setSoTimeout(10_000);
            client.connect(listener.getLocalAddress(), 10_000);
            if (sendRequest)
                client.getOutputStream().write(ThrottledTestSupport.request().getBytes(StandardCharsets.US_ASCII));
            SocketChannel accepted = listener.accept();
            shedder.shed(accepted);
            assertThat(accepted.isOpen()).isFalse();
            return ThrottledTestSupport.readReply(client.getInputStream());
        }
    }

    @Test
    void answers503WithRetryAfterAndCloses() throws Exception
    {
        shedder.setRetryAfterSeconds(7);
        Reply reply = shedOne(true);
        assertThat(reply.status()).as(reply.text()).isEqualTo(503);
        assertThat(reply.hasHeader("Retry-After: 7")).as(reply.text()).isTrue();
        assertThat(reply.hasHeader("Connection: close")).as(reply.text()).isTrue();
        assertThat(reply.text()).endsWith("Content-Length: 0\r\n\r\n");
        assertThat(shedder.getShedCount()).isEqualTo(1);
    }

    @Test
    void retryAfterZeroLeavesTheHeaderOut() throws Exception
    {
        shedder.setRetryAfterSeconds(0);
        Reply reply = shedOne(true);
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.text()).doesNotContainIgnoringCase("Retry-After");
    }

    // As for a TLS client, which waits for the server after its hello: what it sent first is not read, so a client
    // that had sent something would see a reset instead of the end of stream.
    @Test
    void notAnsweringClosesWithoutWritingAByte() throws Exception
    {
        shedder.setAnswering(false);
        Reply reply = shedOne(false);
        assertThat(reply.status()).isEqualTo(-1);
        assertThat(reply.text()).isEmpty();
        shedOne(false);
        assertThat(shedder.getShedCount()).isEqualTo(2);
    }

    @Test
    void aNegativeRetryAfterIsRefusedAndTheOldValueKept()
    {
        assertThat(shedder.getRetryAfterSeconds()).isEqualTo(OverloadShedder.DEFAULT_RETRY_AFTER_SECONDS);
        assertThatThrownBy(() -> shedder.setRetryAfterSeconds(-1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("retryAfterSeconds must be 0 (no Retry-After header) or more, but was -1");
        assertThat(shedder.getRetryAfterSeconds()).isEqualTo(OverloadShedder.DEFAULT_RETRY_AFTER_SECONDS);
    }
}
