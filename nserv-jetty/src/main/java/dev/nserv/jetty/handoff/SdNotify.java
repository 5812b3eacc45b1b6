package dev.nserv.jetty.handoff;

import java.nio.charset.StandardCharsets;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.nserv.jetty.sockets.LibC;
import dev.nserv.jetty.sockets.SocketFds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's readiness protocol ({@code sd_notify(3)}): a datagram to the Unix socket named by
 * {@code NOTIFY_SOCKET} (a path, or an abstract name starting with {@code @}). Without that variable every
 * call does nothing, so it is safe outside systemd. Used for {@code READY=1} after a start,
 * {@code MAINPID=} when a successor takes over, and {@code STOPPING=1} on a plain stop.
 */
final class SdNotify
{
    private static final Logger LOG = LoggerFactory.getLogger(SdNotify.class);
    private static final int SUN_PATH_MAX = 108;

    private final String socket;

    /**
     * @param socket the value of {@code NOTIFY_SOCKET}, or {@code null} when not under systemd
     */
    SdNotify(String socket)
    {
        this.socket = socket == null || socket.isEmpty() ? null : socket;
    }

    boolean isEnabled()
    {
        return socket != null;
    }

    /**
     * Sends a state, e.g. {@code "READY=1\nSTATUS=serving"}; failures are logged, never thrown, because
     * notification must not stop serving.
     * @param state newline-separated assignments
     * @return whether the datagram was sent
     */
    boolean notify(String state)
    {
        if (socket == null)
            return false;
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH_MAX)
        {
            LOG.warn("NOTIFY_SOCKET is longer than {} bytes: cannot notify systemd", SUN_PATH_MAX - 1);
            return false;
        }
        if (path[0] == '@')
            path[0] = 0;
        byte[] data = state.getBytes(StandardCharsets.UTF_8);
        int fd = -1;
        try (Memory address = new Memory(2 + SUN_PATH_MAX);
             Memory buffer = new Memory(Math.max(1, data.length)))
        {
            address.clear();
            address.setShort(0, (short)LibC.AF_UNIX);
            address.write(2, path, 0, path.length);
            buffer.write(0, data, 0, data.length);
            // an abstract name's length is exact; a path's includes its terminating NUL
            int length = 2 + path.length + (path[0] == 0 ? 0 : 1);
            fd = LibC.INSTANCE.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
            LibC.INSTANCE.sendto(fd, buffer, data.length, LibC.MSG_NOSIGNAL, address, length);
            LOG.debug("sd_notify {}", state.replace('\n', ' '));
            return true;
        }
        catch (LastErrorException x)
        {
            LOG.warn("sd_notify to {} failed: errno {}", socket, x.getErrorCode());
            return false;
        }
        finally
        {
            if (fd >= 0)
                SocketFds.closeQuietly(fd);
        }
    }
}
