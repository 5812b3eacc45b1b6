package dev.nserv.jetty.handoff;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.nserv.jetty.sockets.LibC;

/**
 * Plays systemd's side of sd_notify in tests: a Unix datagram socket (a path, or an abstract name starting with
 * {@code @}) that collects every message sent to it.
 */
final class NotifySocket implements AutoCloseable
{
    /** The calls the JDK lacks for Unix datagram sockets. */
    interface Calls extends Library
    {
        Calls INSTANCE = Native.load("c", Calls.class);

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, Pointer address, int length) throws LastErrorException;

        long recv(int fd, Pointer buffer, long length, int flags) throws LastErrorException;

        int setsockopt(int fd, int level, int option, Pointer value, int length) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;

    private final String name;
    private final int fd;
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean closed;

    /**
     * @param name a socket path, or {@code @name} for the abstract namespace
     */
    NotifySocket(String name)
    {
        this.name = name;
        byte[] path = name.getBytes(StandardCharsets.UTF_8);
        if (path[0] == '@')
            path[0] = 0;
        fd = Calls.INSTANCE.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM, 0);
        try (Memory address = new Memory(110))
        {
            address.clear();
            address.setShort(0, (short)LibC.AF_UNIX);
            address.write(2, path, 0, path.length);
            Calls.INSTANCE.bind(fd, address, 2 + path.length + (path[0] == 0 ? 0 : 1));
        }
        // recv blocks at most 100 ms (struct timeval), so the reader notices close() without sleeping
        try (Memory timeout = new Memory(16))
        {
            timeout.setLong(0, 0);
            timeout.setLong(8, 100_000);
            Calls.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16);
        }
        reader = new Thread(this::read, "notify-socket");
        reader.setDaemon(true);
        reader.start();
    }

    String name()
    {
        return name;
    }

    private void read()
    {
        try (Memory buffer = new Memory(4096))
        {
            while (!closed)
            {
                try
                {
                    long length = Calls.INSTANCE.recv(fd, buffer, buffer.size(), 0);
                    messages.add(new String(buffer.getByteArray(0, (int)length), StandardCharsets.UTF_8));
                }
                catch (LastErrorException timedOut)
                {
                    // EAGAIN after the receive timeout: check closed and wait again
                }
            }
        }
    }

    List<String> messages()
    {
        return messages;
    }

    @Override
    public void close()
    {
        closed = true;
        try
        {
            reader.join(5000);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        Calls.INSTANCE.close(fd);
    }
}
