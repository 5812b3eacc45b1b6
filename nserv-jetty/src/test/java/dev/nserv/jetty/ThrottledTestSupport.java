package dev.nserv.jetty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Shared pieces of the throttled connector tests: a handler that can hold requests open, an independent
 * counter of open connections, and a raw HTTP/1.1 client.
 */
final class ThrottledTestSupport
{
    static final String LOCALHOST = "127.0.0.1";

    private ThrottledTestSupport()
    {
    }

    /**
     * Answers 200 "ok"; while holding, parks requests (asynchronously, no thread blocked) until released.
     */
    static final class HoldingHandler extends Handler.Abstract
    {
        private final Deque<Runnable> parked = new ArrayDeque<>();
        private boolean holding;

        @Override
        public boolean handle(Request request, Response response, Callback callback)
        {
            Runnable answer = () ->
            {
                response.setStatus(200);
                response.write(true, StandardCharsets.US_ASCII.encode("ok"), callback);
            };
            synchronized (this)
            {
                if (holding)
                {
                    parked.add(answer);
                    return true;
                }
            }
            answer.run();
            return true;
        }

        synchronized void hold()
        {
            holding = true;
        }

        synchronized int parked()
        {
            return parked.size();
        }

        /**
         * Answers up to {@code count} parked requests, oldest first.
         */
        void release(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Runnable next;
                synchronized (this)
                {
                    next = parked.poll();
                }
                if (next == null)
                    return;
                next.run();
            }
        }

        /**
         * Stops holding and answers every parked request.
         */
        void releaseAll()
        {
            synchronized (this)
            {
                holding = false;
            }
            release(Integer.MAX_VALUE);
        }
    }

    /**
     * Counts open connections through Jetty's own connection events, independently of the connector's counters.
     */
    static final class OpenConnections implements Connection.Listener
    {
        private final AtomicInteger open = new AtomicInteger();
        private final AtomicInteger max = new AtomicInteger();

        @Override
        public void onOpened(Connection connection)
        {
            max.accumulateAndGet(open.incrementAndGet(), Math::max);
        }

        @Override
        public void onClosed(Connection connection)
        {
            open.decrementAndGet();
        }

        int open()
        {
            return open.get();
        }

        int max()
        {
            return max.get();
        }

        void resetMax()
        {
            max.set(open.get());
        }
    }

    /**
     * The answer to a raw request: the status code (or -1 if the connection ended before a status line) and
     * the whole text received.
     */
    record Reply(int status, String text)
    {
        boolean hasHeader(String line)
        {
            return text.toLowerCase().contains("\r\n" + line.toLowerCase() + "\r\n");
        }
    }

    /**
     * Sends one {@code Connection: close} GET and reads the reply to the end.
     */
    static Reply get(int port) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.setSoTimeout(30_000);
            socket.connect(new InetSocketAddress(LOCALHOST, port), 10_000);
            socket.getOutputStream().write(request().getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return readReply(socket.getInputStream());
        }
    }

    static String request()
    {
        return "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    }

    static Reply readReply(InputStream in) throws IOException
    {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        in.transferTo(bytes);
        String text = bytes.toString(StandardCharsets.US_ASCII);
        int status = -1;
        if (text.startsWith("HTTP/1.1 ") && text.length() >= 12)
            status = Integer.parseInt(text.substring(9, 12));
        return new Reply(status, text);
    }
}
