package dev.nserv.jetty.handoff;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The old generation's side of one restart: a Unix domain socket, in the private control directory, on which
 * exactly one successor connects, and the random token it must present. Removed as soon as the successor
 * has connected (or the restart failed).
 */
final class HandoffListener implements Closeable
{
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path path;
    private final String token;
    private final ServerSocketChannel server;

    /**
     * @param directory a directory private to this user
     * @throws IOException when the socket cannot be created there
     */
    HandoffListener(Path directory) throws IOException
    {
        path = directory.resolve("handoff-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + ".sock").toAbsolutePath();
        byte[] secret = new byte[24];
        RANDOM.nextBytes(secret);
        token = HexFormat.of().formatHex(secret);
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try
        {
            server.bind(UnixDomainSocketAddress.of(path), 1);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        }
        catch (IOException x)
        {
            server.close();
            throw new IOException("cannot create the handoff socket " + path + ": " + x.getMessage(), x);
        }
    }

    Path path()
    {
        return path;
    }

    String token()
    {
        return token;
    }

    /**
     * Waits for the successor; {@link #close()} from another thread ends the wait with an exception.
     * @return the connection
     * @throws IOException when closed or failed
     */
    LineChannel accept() throws IOException
    {
        return new LineChannel(server.accept());
    }

    @Override
    public void close()
    {
        try
        {
            server.close();
        }
        catch (IOException ignored)
        {
            // closing a listener does not fail in a way that matters here
        }
        try
        {
            Files.deleteIfExists(path);
        }
        catch (IOException ignored)
        {
            // the directory is private; a leftover file is harmless and replaced next time
        }
    }
}
