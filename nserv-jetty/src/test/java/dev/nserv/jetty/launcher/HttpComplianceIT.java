package dev.nserv.jetty.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --http-compliance} on the real nserv.jar: the default (RFC9110) accepts a request line ended by a bare LF,
 * STRICT answers it with 400.
 */
class HttpComplianceIT
{
    private static final String BARE_LF = "GET /readyz HTTP/1.1\nHost: localhost\r\nConnection: close\r\n\r\n";
    private static final String CRLF = "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    @Test
    void defaultAcceptsABareLfRequestLine() throws Exception
    {
        try (ChildNserv nserv = new ChildNserv())
        {
            assertThat(statusLine(nserv.port(), BARE_LF)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void strictAnswers400ToABareLfRequestLine() throws Exception
    {
        try (ChildNserv nserv = new ChildNserv("--http-compliance", "STRICT"))
        {
            assertThat(statusLine(nserv.port(), BARE_LF)).startsWith("HTTP/1.1 400");
            assertThat(statusLine(nserv.port(), CRLF)).startsWith("HTTP/1.1 200");
        }
    }

    private static String statusLine(int port, String request) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0 && b != '\r' && b != '\n'; b = in.read())
                line.write(b);
            return line.toString(StandardCharsets.US_ASCII);
        }
    }
}
