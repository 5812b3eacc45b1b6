package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;

/** Channels a test opens, closed together in its {@code @AfterEach}. */
final class TrackedChannels implements AutoCloseable
{
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /**
     * @param closeable something to close after the test
     * @return the same object
     */
    <T extends AutoCloseable> T track(T closeable)
    {
        closeables.add(closeable);
        return closeable;
    }

    /**
     * @return a TCP listener on 127.0.0.1, port 0
     * @throws IOException if it cannot bind
     */
    ServerSocketChannel listener() throws IOException
    {
        ServerSocketChannel channel = track(ServerSocketChannel.open(StandardProtocolFamily.INET));
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return channel;
    }

    /**
     * Closes everything tracked, even when one close fails.
     * @throws IOException naming the first failure, with the others suppressed
     */
    @Override
    public void close() throws IOException
    {
        IOException failure = null;
        for (AutoCloseable closeable : closeables)
        {
            try
            {
                closeable.close();
            }
            catch (Exception x)
            {
                if (failure == null)
                    failure = new IOException("cannot close " + closeable + ": " + x, x);
                else
                    failure.addSuppressed(x);
            }
        }
        closeables.clear();
        if (failure != null)
            throw failure;
    }
}
