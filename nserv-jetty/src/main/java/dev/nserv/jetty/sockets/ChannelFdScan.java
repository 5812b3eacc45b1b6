package dev.nserv.jetty.sockets;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;

/**
 * Finds the fd behind a JDK socket channel without the JDK's internals, for a JVM started without
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (jetty-home's start.jar): every socket fd of this process in
 * {@code /proc/self/fd} is asked {@code getsockname}, {@code getpeername} and {@code SO_ACCEPTCONN}, and the one
 * stream socket whose addresses and listening state are the channel's is its fd.
 *
 * <p>A listening TCP socket is unique by its local address (unless two listeners share a port with
 * {@code SO_REUSEPORT}), a connected TCP socket by its two addresses; so is a Unix domain connection as long as only
 * one connection of that path is open, which holds for nserv's handoff connection. When several fds match, the scan
 * refuses to guess and names the fix.</p>
 */
final class ChannelFdScan
{
    private static final int ADDRESS_BYTES = 128;

    private ChannelFdScan()
    {
    }

    static int find(Channel channel) throws IOException
    {
        SocketAddress local;
        SocketAddress remote;
        boolean listening;
        if (channel instanceof ServerSocketChannel)
        {
            local = ((ServerSocketChannel)channel).getLocalAddress();
            remote = null;
            listening = true;
        }
        else if (channel instanceof SocketChannel)
        {
            local = ((SocketChannel)channel).getLocalAddress();
            remote = ((SocketChannel)channel).getRemoteAddress();
            listening = false;
        }
        else
        {
            throw new IOException("the fd of a " + channel.getClass().getName() + " can only be read with " + SocketFds.ADD_OPENS + " on the java command line");
        }
        if (local == null)
            throw new IOException("the fd of an unbound channel cannot be found: " + channel);
        List<Integer> found = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd")))
        {
            for (Path entry : fds)
            {
                int fd = Integer.parseInt(entry.getFileName().toString());
                if (SocketFds.describe(fd).startsWith("socket:") && matches(fd, local, remote, listening))
                    found.add(fd);
            }
        }
        catch (DirectoryIteratorException x)
        {
            throw x.getCause();
        }
        if (found.size() == 1)
            return found.get(0);
        String what = (listening ? "a listening socket on " : "a connection from ") + local + (remote == null ? "" : " to " + remote);
        if (found.isEmpty())
            throw new IOException("no fd of this process is " + what + " (" + channel + ")");
        throw new IOException("fds " + found + " are all " + what + ", so the fd of " + channel + " is ambiguous; " +
            "start the JVM with " + SocketFds.ADD_OPENS + " to read it exactly");
    }

    private static boolean matches(int fd, SocketAddress local, SocketAddress remote, boolean listening)
    {
        try
        {
            if (option(fd, LibC.SO_TYPE) != LibC.SOCK_STREAM || (option(fd, LibC.SO_ACCEPTCONN) == 1) != listening)
                return false;
            if (!same(address(fd, false), local))
                return false;
            return remote == null || same(address(fd, true), remote);
        }
        catch (LastErrorException x)
        {
            // closed meanwhile, or not connected: not this channel
            return false;
        }
    }

    private static int option(int fd, int name)
    {
        try (Memory value = new Memory(4))
        {
            value.setInt(0, 0);
            LibC.INSTANCE.getsockopt(fd, LibC.SOL_SOCKET, name, value, new IntByReference(4));
            return value.getInt(0);
        }
    }

    /** A socket's address from the kernel: InetSocketAddress, UnixDomainSocketAddress, or null for another family. */
    static SocketAddress address(int fd, boolean peer)
    {
        try (Memory buffer = new Memory(ADDRESS_BYTES))
        {
            buffer.clear();
            IntByReference length = new IntByReference(ADDRESS_BYTES);
            if (peer)
                LibC.INSTANCE.getpeername(fd, buffer, length);
            else
                LibC.INSTANCE.getsockname(fd, buffer, length);
            int family = buffer.getShort(0) & 0xffff;
            int port = ((buffer.getByte(2) & 0xff) << 8) | (buffer.getByte(3) & 0xff);
            try
            {
                if (family == LibC.AF_INET)
                    return new InetSocketAddress(InetAddress.getByAddress(buffer.getByteArray(4, 4)), port);
                if (family == LibC.AF_INET6)
                    return new InetSocketAddress(InetAddress.getByAddress(buffer.getByteArray(8, 16)), port);
            }
            catch (java.net.UnknownHostException x)
            {
                return null;
            }
            if (family != LibC.AF_UNIX)
                return null;
            int size = Math.min(length.getValue(), ADDRESS_BYTES) - 2;
            byte[] path = size > 0 ? buffer.getByteArray(2, size) : new byte[0];
            if (path.length > 0 && path[0] == 0)
                return null; // an abstract address, which JDK channels never have
            int end = 0;
            while (end < path.length && path[end] != 0)
                end++;
            return UnixDomainSocketAddress.of(new String(path, 0, end, Charset.defaultCharset()));
        }
    }

    private static boolean same(SocketAddress kernel, SocketAddress java)
    {
        if (kernel == null || java == null)
            return false;
        if (kernel instanceof InetSocketAddress && java instanceof InetSocketAddress)
        {
            InetSocketAddress k = (InetSocketAddress)kernel;
            InetSocketAddress j = (InetSocketAddress)java;
            if (k.getPort() != j.getPort())
                return false;
            // a dual-stack socket: the JDK may show :: as 0.0.0.0 and ::ffff:a.b.c.d as a.b.c.d
            return k.getAddress().isAnyLocalAddress() ? j.getAddress().isAnyLocalAddress() : k.getAddress().equals(j.getAddress());
        }
        if (kernel instanceof UnixDomainSocketAddress && java instanceof UnixDomainSocketAddress)
            return ((UnixDomainSocketAddress)kernel).getPath().toString().equals(((UnixDomainSocketAddress)java).getPath().toString());
        return false;
    }
}
