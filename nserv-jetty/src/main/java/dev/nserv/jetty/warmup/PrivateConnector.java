package dev.nserv.jetty.warmup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A socket connector that only the warm-up knows: bound to 127.0.0.1 on a port the kernel picks, with the public
 * connector's own HTTP/1.1 connection factory (so the same {@code HttpConfiguration}), one acceptor and one selector.
 * Warm-up requests through it run the code a client's request runs and a {@code LocalConnector} never does:
 * {@code ManagedSelector}, {@code SocketChannelEndPoint}, {@code HttpConnection}'s socket reads and writes.
 * <p>
 * It is never added to the {@link Server}: no listener list, handoff, throttle or connector metric sees it, and it is
 * closed before the generation reports ready. The shared factory was already running, so this connector does not
 * manage it and its stop leaves it alone.
 */
final class PrivateConnector
{
    private final ServerConnector connector;

    private PrivateConnector(ServerConnector connector)
    {
        this.connector = connector;
    }

    /**
     * Starts a private connector like the server's first plain HTTP network connector.
     * @param server the started server
     * @return the started connector, or {@code null} when the server has no network connector with HTTP/1.1
     * @throws Exception when it cannot bind or start
     */
    static PrivateConnector open(Server server) throws Exception
    {
        HttpConnectionFactory http = null;
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof NetworkConnector)
            {
                http = connector.getConnectionFactory(HttpConnectionFactory.class);
                if (http != null)
                    break;
            }
        }
        if (http == null)
            return null;
        ServerConnector connector = new ServerConnector(server, 1, 1, http);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setName("nserv-warmup");
        try
        {
            connector.start();
        }
        catch (Exception x)
        {
            connector.stop();
            throw x;
        }
        return new PrivateConnector(connector);
    }

    /**
     * @return the port it listens on
     */
    int port()
    {
        return connector.getLocalPort();
    }

    /**
     * Sends one request with {@code Connection: close} on a new connection and reads until the server closes it.
     * @param raw the whole request
     * @param timeoutMs how long connecting and each read may block
     * @return the response's bytes, or {@code null} when the time ran out
     * @throws IOException when the exchange failed otherwise
     */
    ByteBuffer exchange(String raw, long timeoutMs) throws IOException
    {
        int timeout = (int)Math.max(1, Math.min(Integer.MAX_VALUE, timeoutMs));
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port()), timeout);
            socket.setSoTimeout(timeout);
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream response = new ByteArrayOutputStream(512);
            InputStream in = socket.getInputStream();
            in.transferTo(response);
            return ByteBuffer.wrap(response.toByteArray());
        }
        catch (SocketTimeoutException x)
        {
            return null;
        }
    }

    /**
     * Stops it: it no longer listens.
     * @throws Exception when the stop failed
     */
    void close() throws Exception
    {
        connector.stop();
    }
}
