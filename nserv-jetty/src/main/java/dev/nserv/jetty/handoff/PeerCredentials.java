package dev.nserv.jetty.handoff;

import java.io.IOException;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;
import dev.nserv.jetty.sockets.LibC;

/**
 * The process id, user id and group id of the peer of a connected Unix domain socket, as the kernel
 * recorded them at {@code connect()} ({@code SO_PEERCRED}). The handoff uses the pid to make sure the
 * process asking for the listening sockets is the successor it started (or a descendant of it).
 */
final class PeerCredentials
{
    final long pid;
    final long uid;
    final long gid;

    private PeerCredentials(long pid, long uid, long gid)
    {
        this.pid = pid;
        this.uid = uid;
        this.gid = gid;
    }

    /**
     * Reads the peer's credentials.
     * @param socketFd a connected Unix domain socket
     * @return the credentials
     * @throws IOException when getsockopt fails
     */
    static PeerCredentials of(int socketFd) throws IOException
    {
        try (Memory ucred = new Memory(12))
        {
            ucred.clear();
            IntByReference length = new IntByReference(12);
            LibC.INSTANCE.getsockopt(socketFd, LibC.SOL_SOCKET, LibC.SO_PEERCRED, ucred, length);
            return new PeerCredentials(Integer.toUnsignedLong(ucred.getInt(0)), Integer.toUnsignedLong(ucred.getInt(4)), Integer.toUnsignedLong(ucred.getInt(8)));
        }
        catch (LastErrorException x)
        {
            throw new IOException("getsockopt(SO_PEERCRED) on fd " + socketFd + " failed: errno " + x.getErrorCode(), x);
        }
    }

    @Override
    public String toString()
    {
        return "pid=" + pid + " uid=" + uid + " gid=" + gid;
    }
}
