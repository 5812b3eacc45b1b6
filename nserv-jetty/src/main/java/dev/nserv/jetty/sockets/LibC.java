package dev.nserv.jetty.sockets;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The few C library calls that socket adoption and handoff need and the JDK does not offer:
 * {@code getsockopt} on an arbitrary fd, {@code fcntl}, {@code sendmsg}/{@code recvmsg} with
 * {@code SCM_RIGHTS}, {@code dup2} and an {@code AF_UNIX} datagram socket for sd_notify.
 * <p>
 * Linux on a 64-bit platform only: {@code size_t} and {@code ssize_t} are mapped to Java {@code long},
 * and the constants below are the generic Linux values (the same on x86_64 and aarch64).
 * Every call that fails throws {@link LastErrorException} carrying {@code errno}. Public only so that nserv's
 * handoff package can share it; not an API for applications.
 */
public interface LibC extends Library
{
    int EINTR = 4;
    int EBADF = 9;
    int EAGAIN = 11;
    int ENOTSOCK = 88;
    int ENOTCONN = 107;

    int AF_UNIX = 1;
    int AF_INET = 2;
    int AF_INET6 = 10;
    int SOCK_STREAM = 1;
    int SOCK_DGRAM = 2;
    int SOCK_CLOEXEC = 0x80000;
    int IPPROTO_TCP = 6;

    int SOL_SOCKET = 1;
    int SO_TYPE = 3;
    int SO_PEERCRED = 17;
    int SO_ACCEPTCONN = 30;
    int SO_PROTOCOL = 38;
    int SO_DOMAIN = 39;
    int SCM_RIGHTS = 1;

    int MSG_CTRUNC = 0x8;
    int MSG_NOSIGNAL = 0x4000;
    int MSG_CMSG_CLOEXEC = 0x40000000;

    int PRIO_PROCESS = 0;

    int F_DUPFD_CLOEXEC = 1030;
    int F_GETFD = 1;
    int F_SETFD = 2;
    int FD_CLOEXEC = 1;

    /** Loaded lazily by the JVM on first use of this interface. */
    LibC INSTANCE = load();

    private static LibC load()
    {
        if (Native.LONG_SIZE != 8 || Native.POINTER_SIZE != 8)
            throw new UnsupportedOperationException("nserv socket handoff needs a 64-bit Linux JVM");
        return Native.load("c", LibC.class);
    }

    int getuid();

    /** {@code _exit(2)}: ends the process at once, without the JVM's exit work (shutdown hooks, archive dumps). */
    void _exit(int status);

    /** {@code setpriority(2)}; on Linux {@code PRIO_PROCESS} with a thread id sets that thread's nice value. */
    int setpriority(int which, int who, int prio) throws LastErrorException;

    int getsockopt(int fd, int level, int optname, Pointer optval, IntByReference optlen) throws LastErrorException;

    int fcntl(int fd, int cmd, int arg) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int dup2(int oldfd, int newfd) throws LastErrorException;

    long sendmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;

    long recvmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int getsockname(int fd, Pointer addr, IntByReference addrlen) throws LastErrorException;

    int getpeername(int fd, Pointer addr, IntByReference addrlen) throws LastErrorException;

    long sendto(int fd, Pointer buf, long len, int flags, Pointer addr, int addrlen) throws LastErrorException;
}
