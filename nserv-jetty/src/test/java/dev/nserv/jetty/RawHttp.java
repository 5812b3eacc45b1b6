package dev.nserv.jetty;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client on one plain socket, for tests that must see exactly what goes over a connection:
 * keep-alive reuse, {@code Connection: close}, refused connections.
 */
public final class RawHttp implements Closeable
{
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /**
     * Connects to 127.0.0.1.
     * @param port the server port
     * @throws IOException if the connection is refused
     */
    public RawHttp(int port) throws IOException
    {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** A parsed response. */
    public record Response(int status, Map<String, String> headers, String body)
    {
        /**
         * @param name header name, any case
         * @return the header value or null
         */
        public String header(String name)
        {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * Sends one GET on a connection of its own, closed after the response.
     * @param port the server port on 127.0.0.1
     * @param path request path
     * @return the response
     * @throws IOException on a transport failure
     */
    public static Response getOnce(int port, String path) throws IOException
    {
        try (RawHttp http = new RawHttp(port))
        {
            return http.get(path);
        }
    }

    /**
     * Sends a GET and reads the whole response.
     * @param path request path
     * @return the response
     * @throws IOException on a transport failure
     */
    public Response get(String path) throws IOException
    {
        return get(path, new String[0]);
    }

    /**
     * Sends a GET with extra header lines and reads the whole response.
     * @param path request path
     * @param headers header lines such as {@code Cookie: JSESSIONID=abc}
     * @return the response
     * @throws IOException on a transport failure
     */
    public Response get(String path, String... headers) throws IOException
    {
        StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String header : headers)
            request.append(header).append("\r\n");
        request.append("\r\n");
        out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return read();
    }

    private Response read() throws IOException
    {
        String statusLine = line();
        if (statusLine == null)
            throw new IOException("connection closed before a response");
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(); line != null && !line.isEmpty(); line = line())
        {
            int colon = line.indexOf(':');
            headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(), (a, b) -> a + ", " + b);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String length = headers.get("content-length");
        if (length != null)
        {
            byte[] bytes = in.readNBytes(Integer.parseInt(length));
            body.write(bytes);
        }
        else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding")))
        {
            while (true)
            {
                int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                if (size == 0)
                {
                    line();
                    break;
                }
                body.write(in.readNBytes(size));
                line();
            }
        }
        else
        {
            in.transferTo(body);
        }
        return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    private String line() throws IOException
    {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1)
        {
            if (c == '\n')
                return line.toString();
            if (c != '\r')
                line.append((char)c);
        }
        return line.length() == 0 ? null : line.toString();
    }

    /**
     * @return true once the server has closed the connection (read returns end of stream)
     * @throws IOException on a transport failure other than a reset
     */
    public boolean isClosedByServer() throws IOException
    {
        try
        {
            return in.read() == -1;
        }
        catch (java.net.SocketException reset)
        {
            return true;
        }
    }

    /**
     * Checks, without sending anything, whether the server has already closed this connection: a read with a 1 ms
     * timeout sees end of stream (or a reset) at once on a closed connection and times out on an open one. A client
     * that checks this before reusing a kept-alive connection knows that a request it then does not send was never
     * seen by the server; a close that happens after the check still fails the next request, as it should.
     * @return true when the server closed the connection before anything was sent on it again
     * @throws IOException when the server sent bytes nobody asked for (a protocol error)
     */
    public boolean closedBeforeSend() throws IOException
    {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(1);
        try
        {
            int c = in.read();
            if (c != -1)
                throw new IOException("the server sent a byte (" + c + ") while no request was outstanding");
            return true;
        }
        catch (java.net.SocketTimeoutException open)
        {
            return false;
        }
        catch (java.net.SocketException reset)
        {
            return true;
        }
        finally
        {
            if (!socket.isClosed())
                socket.setSoTimeout(timeout);
        }
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }
}
