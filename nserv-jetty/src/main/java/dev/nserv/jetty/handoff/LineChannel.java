package dev.nserv.jetty.handoff;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

import dev.nserv.jetty.sockets.SocketFds;

/**
 * A blocking Unix domain stream connection that carries text lines, and once a line with file descriptors
 * attached. Lines are read a byte at a time on purpose: nothing is read ahead, so a message that carries fds
 * is always received whole by {@link #receiveLineWithFds(int)} (recvmsg), never by a buffered read.
 */
final class LineChannel implements Closeable
{
    /** The longest line accepted; longer input is a protocol error. */
    static final int MAX_LINE = 16 * 1024;

    private final SocketChannel channel;
    private final int fd;

    LineChannel(SocketChannel channel) throws IOException
    {
        this.channel = channel;
        this.channel.configureBlocking(true);
        this.fd = SocketFds.fdOf(channel);
    }

    int fd()
    {
        return fd;
    }

    SocketChannel channel()
    {
        return channel;
    }

    /**
     * @return the next line without its end-of-line, or {@code null} at end of stream
     * @throws IOException on a read error or a line longer than {@link #MAX_LINE}
     */
    String readLine() throws IOException
    {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true)
        {
            one.clear();
            int read = channel.read(one);
            if (read < 0)
                return line.size() == 0 ? null : decode(line.toByteArray());
            if (read == 0)
                continue;
            byte b = one.get(0);
            if (b == '\n')
                return decode(line.toByteArray());
            if (line.size() >= MAX_LINE)
                throw new IOException("protocol error: line longer than " + MAX_LINE + " bytes");
            line.write(b);
        }
    }

    private static String decode(byte[] bytes)
    {
        String s = new String(bytes, StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * @param line a line without end-of-line
     * @throws IOException when the peer is gone
     */
    void writeLine(String line) throws IOException
    {
        ByteBuffer buffer = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining())
            channel.write(buffer);
    }

    /**
     * Sends one line with fds attached.
     * @param line the line
     * @param fds the fds
     * @throws IOException when the peer is gone
     */
    void sendLineWithFds(String line, int[] fds) throws IOException
    {
        ScmRights.send(fd, (line + "\n").getBytes(StandardCharsets.UTF_8), fds);
    }

    /** A line and the fds that arrived with it. */
    static final class LineWithFds
    {
        final String line;
        final int[] fds;

        LineWithFds(String line, int[] fds)
        {
            this.line = line;
            this.fds = fds;
        }
    }

    /**
     * Receives one line that may carry fds; the caller owns the fds (close them on any later failure).
     * @param maxFds the most fds accepted
     * @return the line, or a {@code null} line at end of stream
     * @throws IOException on a read error, too many fds, or data after the line
     */
    LineWithFds receiveLineWithFds(int maxFds) throws IOException
    {
        ScmRights.Received received = ScmRights.receive(fd, MAX_LINE, maxFds);
        if (received.data.length == 0)
            return new LineWithFds(null, received.fds);
        String text = new String(received.data, StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        if (newline >= 0 && newline != text.length() - 1)
        {
            for (int f : received.fds)
                SocketFds.closeQuietly(f);
            throw new IOException("protocol error: unexpected data after the handoff message");
        }
        if (newline < 0)
        {
            String rest = readLine();
            text = text + (rest == null ? "" : rest);
        }
        else
        {
            text = text.substring(0, newline);
        }
        return new LineWithFds(text, received.fds);
    }

    @Override
    public void close() throws IOException
    {
        channel.close();
    }
}
