package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.util.Arrays;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.nserv.jetty.sockets.LibC;
import dev.nserv.jetty.sockets.SocketFds;

/**
 * Sends and receives file descriptors over a connected Unix domain stream socket ({@code SCM_RIGHTS}).
 * <p>
 * This is how a listening socket moves from one generation to the next: the kernel installs a new fd in
 * the receiver that refers to the same open socket, so the LISTEN entry and its accept queue are never
 * closed. Received fds are close-on-exec ({@code MSG_CMSG_CLOEXEC}), so no later child inherits them.
 * The {@code msghdr}/{@code cmsghdr} layouts are those of 64-bit Linux.
 */
final class ScmRights
{
    private static final int MSGHDR_SIZE = 56;
    private static final int CMSGHDR_SIZE = 16;

    private ScmRights()
    {
    }

    /** What one {@link #receive(int, int, int)} returned: the payload bytes and the fds that came with them. */
    static final class Received
    {
        final byte[] data;
        final int[] fds;

        Received(byte[] data, int[] fds)
        {
            this.data = data;
            this.fds = fds;
        }
    }

    /**
     * Sends {@code data} with {@code fds} attached to its first byte; the rest of the data, if the kernel took
     * only part, follows without fds.
     * @param socketFd a connected Unix domain stream socket
     * @param data at least one byte (fds cannot travel without data)
     * @param fds the fds to send, possibly none
     * @throws IOException when sendmsg fails (e.g. the peer is gone)
     */
    static void send(int socketFd, byte[] data, int[] fds) throws IOException
    {
        if (data.length == 0)
            throw new IllegalArgumentException("data must not be empty: fds travel attached to data");
        int offset = 0;
        boolean withFds = fds.length > 0;
        while (offset < data.length)
        {
            int length = data.length - offset;
            try (Memory buffer = new Memory(length);
                 Memory iov = new Memory(16);
                 Memory msg = new Memory(MSGHDR_SIZE);
                 Memory control = withFds ? new Memory(space(fds.length)) : null)
            {
                buffer.write(0, data, offset, length);
                iov.setPointer(0, buffer);
                iov.setLong(8, length);
                msg.clear();
                msg.setPointer(16, iov);
                msg.setLong(24, 1);
                if (control != null)
                {
                    control.clear();
                    control.setLong(0, CMSGHDR_SIZE + 4L * fds.length);
                    control.setInt(8, LibC.SOL_SOCKET);
                    control.setInt(12, LibC.SCM_RIGHTS);
                    for (int i = 0; i < fds.length; i++)
                        control.setInt(CMSGHDR_SIZE + 4L * i, fds[i]);
                    msg.setPointer(32, control);
                    msg.setLong(40, control.size());
                }
                long sent = LibC.INSTANCE.sendmsg(socketFd, msg, LibC.MSG_NOSIGNAL);
                offset += (int)sent;
                withFds = false;
            }
            catch (LastErrorException x)
            {
                if (x.getErrorCode() == LibC.EINTR)
                    continue;
                throw new IOException("sendmsg on fd " + socketFd + " failed: errno " + x.getErrorCode(), x);
            }
        }
    }

    /**
     * Receives up to {@code capacity} bytes and up to {@code maxFds} fds, blocking until some data arrives.
     * @param socketFd a connected Unix domain stream socket in blocking mode
     * @param capacity the most bytes to read
     * @param maxFds the most fds expected; more makes the message fail (and every fd received is closed)
     * @return the data (empty at end of stream) and the fds
     * @throws IOException when recvmsg fails or more fds arrived than expected
     */
    static Received receive(int socketFd, int capacity, int maxFds) throws IOException
    {
        int controlSpace = space(Math.max(1, maxFds));
        while (true)
        {
            try (Memory buffer = new Memory(capacity);
                 Memory iov = new Memory(16);
                 Memory msg = new Memory(MSGHDR_SIZE);
                 Memory control = new Memory(controlSpace))
            {
                iov.setPointer(0, buffer);
                iov.setLong(8, capacity);
                msg.clear();
                control.clear();
                msg.setPointer(16, iov);
                msg.setLong(24, 1);
                msg.setPointer(32, control);
                msg.setLong(40, controlSpace);
                long read = LibC.INSTANCE.recvmsg(socketFd, msg, LibC.MSG_CMSG_CLOEXEC);
                int[] fds = parseFds(control, msg.getLong(40));
                // the control buffer is 8-byte aligned, so it may hold one fd more than asked for: count too
                if ((msg.getInt(48) & LibC.MSG_CTRUNC) != 0 || fds.length > maxFds)
                {
                    for (int fd : fds)
                        SocketFds.closeQuietly(fd);
                    throw new IOException("received more file descriptors than the " + maxFds + " expected; all were closed");
                }
                return new Received(buffer.getByteArray(0, (int)read), fds);
            }
            catch (LastErrorException x)
            {
                if (x.getErrorCode() == LibC.EINTR)
                    continue;
                throw new IOException("recvmsg on fd " + socketFd + " failed: errno " + x.getErrorCode(), x);
            }
        }
    }

    private static int[] parseFds(Memory control, long controlLength)
    {
        int[] fds = new int[0];
        long offset = 0;
        while (offset + CMSGHDR_SIZE <= controlLength)
        {
            long length = control.getLong(offset);
            if (length < CMSGHDR_SIZE)
                break;
            if (control.getInt(offset + 8) == LibC.SOL_SOCKET && control.getInt(offset + 12) == LibC.SCM_RIGHTS)
            {
                int count = (int)((length - CMSGHDR_SIZE) / 4);
                int start = fds.length;
                fds = Arrays.copyOf(fds, start + count);
                for (int i = 0; i < count; i++)
                    fds[start + i] = control.getInt(offset + CMSGHDR_SIZE + 4L * i);
            }
            offset += align(length);
        }
        return fds;
    }

    private static int space(int fdCount)
    {
        return CMSGHDR_SIZE + (int)align(4L * fdCount);
    }

    private static long align(long length)
    {
        return (length + 7) & ~7L;
    }
}
