package dev.nserv.jetty;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.jetty.util.IO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <p>Turns away a client accepted while the connector is full under the {@link OverloadPolicy#SHED SHED} policy:
 * a fixed {@code 503 Service Unavailable} with {@code Retry-After} and {@code Connection: close}, then the close.
 * Where the connector's first protocol is not clear-text HTTP/1.1 (TLS, PROXY, HTTP/2 only) the client could not
 * read such an answer, so the socket is only closed (see {@link #setAnswering(boolean)}).</p>
 * <p>Nothing here waits: the 503 fits in any send buffer and is written without blocking, and what the client
 * already sent is read and discarded without blocking so that the close sends a FIN rather than a RST that could
 * destroy the response. A flood of clients costs the acceptor a few system calls each, and a freed permit is
 * taken by the very next accepted client. A request that arrives only after the close is answered by the kernel
 * with a RST; Linux clients still read the 503 and FIN that came first, clients elsewhere may only see the
 * reset.</p>
 * <pre>{@code
 * OverloadShedder shedder = new OverloadShedder();
 * shedder.setRetryAfterSeconds(2);
 * shedder.shed(channel); // the channel is closed when this returns
 * }</pre>
 */
final class OverloadShedder
{
    /** The default {@code Retry-After} of the 503, in seconds. */
    static final int DEFAULT_RETRY_AFTER_SECONDS = 1;

    private static final Logger LOG = LoggerFactory.getLogger(OverloadShedder.class);
    // A shed socket is closed once this much of what the client sent has been read and discarded.
    private static final int DRAIN_LIMIT = 16 * 1024;

    private final LongAdder shed = new LongAdder();
    private volatile int retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS;
    private volatile byte[] response = response(DEFAULT_RETRY_AFTER_SECONDS);
    private volatile boolean answering = true;

    /**
     * @return the {@code Retry-After} of the 503, in seconds; 0 when the header is left out
     */
    int getRetryAfterSeconds()
    {
        return retryAfterSeconds;
    }

    /**
     * @param seconds the {@code Retry-After} of the 503, in seconds (default 1); 0 leaves the header out
     * @throws IllegalArgumentException if negative
     */
    void setRetryAfterSeconds(int seconds)
    {
        if (seconds < 0)
            throw new IllegalArgumentException("retryAfterSeconds must be 0 (no Retry-After header) or more, but was " + seconds);
        response = response(seconds);
        retryAfterSeconds = seconds;
    }

    /**
     * @return whether a shed client gets the 503 before the close
     */
    boolean isAnswering()
    {
        return answering;
    }

    /**
     * @param answering true (the default) to write the 503 before closing; false to close without writing, for
     * connectors whose clients do not speak clear-text HTTP/1.1 first
     */
    void setAnswering(boolean answering)
    {
        this.answering = answering;
    }

    /**
     * @return the number of sockets shed so far
     */
    long getShedCount()
    {
        return shed.sum();
    }

    /**
     * Answers (if {@link #isAnswering() answering}) and closes a socket that holds no permit. Failures to write
     * are logged at debug level: the client has gone, and the socket is closed all the same.
     *
     * @param channel a socket just accepted; it is closed when this returns
     */
    void shed(SocketChannel channel)
    {
        shed.increment();
        try
        {
            if (answering)
            {
                channel.configureBlocking(false);
                channel.write(ByteBuffer.wrap(response));
                channel.shutdownOutput();
                ByteBuffer sink = ByteBuffer.allocate(1024);
                int drained = 0;
                int read;
                while (drained < DRAIN_LIMIT && (read = channel.read(sink)) > 0)
                {
                    drained += read;
                    sink.clear();
                }
            }
        }
        catch (IOException x)
        {
            LOG.debug("Could not answer shed {}", channel, x);
        }
        finally
        {
            IO.close(channel);
        }
    }

    private static byte[] response(int retryAfterSeconds)
    {
        String retryAfter = retryAfterSeconds > 0 ? "Retry-After: " + retryAfterSeconds + "\r\n" : "";
        return ("HTTP/1.1 503 Service Unavailable\r\n" +
            retryAfter +
            "Connection: close\r\n" +
            "Content-Length: 0\r\n" +
            "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString()
    {
        return String.format("%s@%x{shed=%d,retryAfter=%ds,answering=%b}",
            getClass().getSimpleName(), hashCode(), shed.sum(), retryAfterSeconds, answering);
    }
}
