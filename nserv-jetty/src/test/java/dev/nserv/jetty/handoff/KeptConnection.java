package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import dev.nserv.jetty.RawHttp;

/**
 * A test client's connection to one port, reused between requests until the client drops it. Before a request is
 * written on a kept-alive connection, {@link #get} checks whether the server closed it while it was idle
 * ({@link RawHttp#closedBeforeSend()}) and then opens a new one: that request was provably never sent, so replacing the
 * connection loses nothing. Anything that goes wrong from then on -- opening the connection, writing, reading -- is
 * thrown to the caller, which counts it as a failed request; the connection is dropped first.
 *
 * <pre>{@code
 * try (KeptConnection connection = new KeptConnection(port, stale::incrementAndGet))
 * {
 *     RawHttp.Response response = connection.get("/");
 *     if ("close".equalsIgnoreCase(response.header("connection")))
 *         connection.drop();
 * }
 * }</pre>
 */
final class KeptConnection implements AutoCloseable
{
    private final int port;
    private final Runnable onStale;
    private RawHttp http;
    private long lastResponse;
    private int responses;

    /**
     * @param onStale called each time a kept-alive connection is found closed by the server before a request was
     * written on it (not a failure)
     */
    KeptConnection(int port, Runnable onStale)
    {
        this.port = port;
        this.onStale = onStale;
    }

    /**
     * Sends a GET on the kept connection, or on a new one when there is none or the server closed it while idle.
     * @param headers extra header lines such as {@code Cookie: JSESSIONID=abc}
     * @return the response; the connection stays open for the next request
     * @throws IOException on any failure of this request, after which the connection is dropped
     */
    RawHttp.Response get(String path, String... headers) throws IOException
    {
        try
        {
            if (http != null && http.closedBeforeSend())
            {
                // closed by the server while idle, and nothing was written since: no request is lost
                onStale.run();
                dropQuietly();
            }
            if (http == null)
            {
                http = new RawHttp(port);
                responses = 0;
            }
            RawHttp.Response response = http.get(path, headers);
            lastResponse = System.nanoTime();
            responses++;
            return response;
        }
        catch (IOException | RuntimeException x)
        {
            dropQuietly();
            throw x;
        }
    }

    /** @return ms since the last response on the open connection, 0 when none is open */
    long idleMs()
    {
        return http == null ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastResponse);
    }

    /** @return responses read on the latest connection opened (kept after it is dropped, until a new one opens) */
    int responsesOnConnection()
    {
        return responses;
    }

    /**
     * Closes the connection, e.g. after {@code Connection: close}; the next {@link #get} opens a new one.
     * @throws IOException when closing fails (the connection is dropped anyway)
     */
    void drop() throws IOException
    {
        RawHttp open = http;
        http = null;
        if (open != null)
            open.close();
    }

    /** Closes the connection, ignoring a failure to close it. */
    void dropQuietly()
    {
        try
        {
            drop();
        }
        catch (IOException ignored)
        {
            // test client: the connection is gone either way
        }
    }

    @Override
    public void close()
    {
        dropQuietly();
    }
}
