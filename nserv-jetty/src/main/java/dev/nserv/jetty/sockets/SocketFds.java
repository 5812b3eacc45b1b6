package dev.nserv.jetty.sockets;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;

/**
 * Integer file descriptors and JDK channels: validating that an fd is a listening TCP socket, turning
 * it into a {@link ServerSocketChannel} that Jetty can select on, and reading the fd behind a JDK channel.
 * <p>
 * The JDK has no public way to do either conversion, so this class uses the JDK-internal
 * {@code sun.nio.ch.ServerSocketChannelImpl(SelectorProvider, ProtocolFamily, FileDescriptor, boolean)}
 * constructor and {@code getFDVal()} by reflection. That needs {@value #ADD_OPENS} (nserv.jar's manifest carries
 * {@code Add-Opens: java.base/sun.nio.ch} for {@code java -jar}). Without it (jetty-home's start.jar), the fd of a
 * socket channel is found in {@code /proc/self/fd} by its addresses instead ({@link #fdOf}), and wrapping an fd in a
 * channel fails with a message that names the missing flag ({@link #canWrapFds()} tells beforehand). Public only so
 * that nserv's handoff package can share it; not an API for applications.
 */
public final class SocketFds
{
    /** The JVM option that opens the JDK's socket channel internals to nserv. */
    public static final String ADD_OPENS = "--add-opens java.base/sun.nio.ch=ALL-UNNAMED";
    /** The same option as one argument, e.g. for a java command line or {@code JDK_JAVA_OPTIONS}. */
    public static final String ADD_OPENS_ARGUMENT = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
    private static final String OPENS_HINT =
        "start the JVM with " + ADD_OPENS + " (java -jar nserv.jar has it in its manifest)";

    private SocketFds()
    {
    }

    /**
     * Checks that {@code fd} is an open, listening TCP socket.
     * @param fd the file descriptor
     * @param what how to name the fd in an error, e.g. {@code "fd 3 (LISTEN_FDS, connector 'http')"}
     * @return the socket's protocol family
     * @throws IOException naming the fd and what it is instead, when it is not a listening TCP socket
     */
    public static ProtocolFamily checkListeningTcp(int fd, String what) throws IOException
    {
        int type;
        try
        {
            type = intOption(fd, LibC.SO_TYPE);
        }
        catch (LastErrorException x)
        {
            if (x.getErrorCode() == LibC.ENOTSOCK)
                throw new IOException(what + " is not a socket (it is " + describe(fd) + "); expected a listening TCP socket");
            if (x.getErrorCode() == LibC.EBADF)
                throw new IOException(what + " is not an open file descriptor; expected a listening TCP socket");
            throw new IOException(what + ": getsockopt(SO_TYPE) failed with errno " + x.getErrorCode(), x);
        }
        int domain = intOption(fd, LibC.SO_DOMAIN);
        ProtocolFamily family;
        if (domain == LibC.AF_INET)
            family = StandardProtocolFamily.INET;
        else if (domain == LibC.AF_INET6)
            family = StandardProtocolFamily.INET6;
        else
            throw new IOException(what + " is a " + domainName(domain) + " socket (" + describe(fd) + "), not a TCP socket; expected a listening TCP socket");
        if (type != LibC.SOCK_STREAM || intOption(fd, LibC.SO_PROTOCOL) != LibC.IPPROTO_TCP)
            throw new IOException(what + " is an IP socket but not TCP (" + describe(fd) + "); expected a listening TCP socket");
        if (intOption(fd, LibC.SO_ACCEPTCONN) != 1)
            throw new IOException(what + " is a TCP socket that is not listening (a connection, or not yet listen()ed: " + describe(fd) + "); expected a listening TCP socket");
        return family;
    }

    /**
     * Tells whether {@code fd} is a socket at all (any family, any state).
     * @param fd the file descriptor
     * @return false for a regular file, tty, pipe, /dev/null or a closed fd
     */
    public static boolean isSocket(int fd)
    {
        // /proc first: it needs no native call, so a start without inherited sockets never loads JNA (about
        // 30 ms of start-up, measured); getsockopt where /proc is missing.
        String link = describe(fd);
        if (!link.equals("closed"))
            return link.startsWith("socket:");
        try
        {
            intOption(fd, LibC.SO_TYPE);
            return true;
        }
        catch (LastErrorException x)
        {
            return false;
        }
    }

    private static int intOption(int fd, int option)
    {
        try (Memory value = new Memory(4))
        {
            value.setInt(0, 0);
            IntByReference length = new IntByReference(4);
            LibC.INSTANCE.getsockopt(fd, LibC.SOL_SOCKET, option, value, length);
            return value.getInt(0);
        }
    }

    private static String domainName(int domain)
    {
        switch (domain)
        {
            case LibC.AF_UNIX:
                return "Unix domain";
            case LibC.AF_INET:
                return "IPv4";
            case LibC.AF_INET6:
                return "IPv6";
            default:
                return "family " + domain;
        }
    }

    /**
     * Describes what an fd refers to, from {@code /proc/self/fd}, e.g. {@code socket:[12345]},
     * {@code /dev/null} or {@code pipe:[678]}.
     * @param fd the file descriptor
     * @return the link target, or {@code "closed"} when the fd is not open
     */
    public static String describe(int fd)
    {
        try
        {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        }
        catch (IOException | UnsupportedOperationException x)
        {
            return "closed";
        }
    }

    /**
     * The kernel inode of a socket fd, the identity that stays the same across a handoff.
     * @param fd a socket file descriptor
     * @return the inode, or -1 when the fd is not a socket
     */
    public static long socketInode(int fd)
    {
        String link = describe(fd);
        if (link.startsWith("socket:[") && link.endsWith("]"))
            return Long.parseLong(link.substring(8, link.length() - 1));
        return -1;
    }

    /**
     * Duplicates {@code fd} onto a new fd number of at least 3 with close-on-exec set.
     * @param fd the file descriptor to duplicate
     * @return the new fd
     * @throws IOException when the duplication fails
     */
    public static int dupCloexec(int fd) throws IOException
    {
        try
        {
            return LibC.INSTANCE.fcntl(fd, LibC.F_DUPFD_CLOEXEC, 3);
        }
        catch (LastErrorException x)
        {
            throw new IOException("cannot duplicate fd " + fd + ": errno " + x.getErrorCode(), x);
        }
    }

    /**
     * Sets close-on-exec on {@code fd}, so that no process started later inherits it.
     * @param fd the file descriptor
     * @throws IOException when fcntl fails
     */
    public static void setCloexec(int fd) throws IOException
    {
        try
        {
            int flags = LibC.INSTANCE.fcntl(fd, LibC.F_GETFD, 0);
            LibC.INSTANCE.fcntl(fd, LibC.F_SETFD, flags | LibC.FD_CLOEXEC);
        }
        catch (LastErrorException x)
        {
            throw new IOException("cannot set close-on-exec on fd " + fd + ": errno " + x.getErrorCode(), x);
        }
    }

    /**
     * Closes a raw fd, ignoring errors; for fds that no channel owns yet.
     * @param fd the file descriptor
     */
    public static void closeQuietly(int fd)
    {
        try
        {
            LibC.INSTANCE.close(fd);
        }
        catch (LastErrorException ignored)
        {
            // already closed or never valid: nothing to release
        }
    }

    /**
     * Wraps a listening TCP socket fd in a JDK {@link ServerSocketChannel}; the channel owns the fd from now
     * on (closing the channel closes the fd).
     * @param fd a listening TCP socket, checked first with {@link #checkListeningTcp(int, String)}
     * @param what how to name the fd in an error
     * @return a bound channel that Jetty's {@code ServerConnector.open(ServerSocketChannel)} accepts
     * @throws IOException when the fd is not a listening TCP socket or the JDK refuses the conversion
     */
    public static ServerSocketChannel toServerSocketChannel(int fd, String what) throws IOException
    {
        ProtocolFamily family = checkListeningTcp(fd, what);
        if (!canWrapFds())
            throw new IOException("adopting " + what + " needs " + ADD_OPENS + " on the java command line (or in JDK_JAVA_OPTIONS)");
        try
        {
            Method newFD = Class.forName("sun.nio.ch.IOUtil").getDeclaredMethod("newFD", int.class);
            newFD.setAccessible(true);
            FileDescriptor descriptor = (FileDescriptor)newFD.invoke(null, fd);
            Constructor<?> constructor = Class.forName("sun.nio.ch.ServerSocketChannelImpl")
                .getDeclaredConstructor(SelectorProvider.class, ProtocolFamily.class, FileDescriptor.class, boolean.class);
            constructor.setAccessible(true);
            return (ServerSocketChannel)constructor.newInstance(SelectorProvider.provider(), family, descriptor, true);
        }
        catch (InvocationTargetException x)
        {
            throw new IOException("cannot wrap " + what + " in a server socket channel: " + x.getCause(), x.getCause());
        }
        catch (ReflectiveOperationException | RuntimeException x)
        {
            throw new IOException("cannot wrap " + what + " in a server socket channel (" + x + "): " + OPENS_HINT, x);
        }
    }

    /**
     * The fd number behind a JDK socket channel (TCP or Unix domain, server or connected): read from the channel
     * when {@link #canWrapFds()}, else found by {@link #fdByScan}.
     * @param channel an open JDK NIO socket channel
     * @return its fd
     * @throws IOException when the channel is not a JDK socket channel, or its fd cannot be told apart
     */
    public static int fdOf(Channel channel) throws IOException
    {
        return canWrapFds() ? fdByReflection(channel) : ChannelFdScan.find(channel);
    }

    /**
     * Tells whether {@code java.base/sun.nio.ch} is open to nserv ({@value #ADD_OPENS}), which
     * {@link #toServerSocketChannel} needs; {@link #fdOf} works either way.
     * @return true when fds can be wrapped in channels
     */
    public static boolean canWrapFds()
    {
        return ServerSocketChannel.class.getModule().isOpen("sun.nio.ch", SocketFds.class.getModule());
    }

    /**
     * The fd behind a JDK socket channel found without the JDK's internals: the one socket fd of this process in
     * {@code /proc/self/fd} whose addresses and listening state are the channel's. {@link #fdOf} uses it when
     * {@link #canWrapFds()} is false.
     * @param channel an open, bound {@link ServerSocketChannel} or {@link java.nio.channels.SocketChannel}
     * @return its fd
     * @throws IOException when no fd, or more than one, matches
     */
    public static int fdByScan(Channel channel) throws IOException
    {
        return ChannelFdScan.find(channel);
    }

    /**
     * The fd behind a JDK socket channel, read with the JDK's {@code getFDVal()}; needs {@value #ADD_OPENS}.
     * @param channel an open JDK NIO socket channel
     * @return its fd
     * @throws IOException when the channel is not a JDK socket channel or sun.nio.ch is not open to nserv
     */
    public static int fdByReflection(Channel channel) throws IOException
    {
        try
        {
            Method getFDVal = channel.getClass().getMethod("getFDVal");
            getFDVal.setAccessible(true);
            return (Integer)getFDVal.invoke(channel);
        }
        catch (NoSuchMethodException x)
        {
            throw new IOException("not a JDK socket channel: " + channel.getClass().getName(), x);
        }
        catch (InvocationTargetException x)
        {
            throw new IOException("cannot read the fd of " + channel + ": " + x.getCause(), x.getCause());
        }
        catch (ReflectiveOperationException | RuntimeException x)
        {
            throw new IOException("cannot read the fd of " + channel + " (" + x + "): " + OPENS_HINT, x);
        }
    }
}
