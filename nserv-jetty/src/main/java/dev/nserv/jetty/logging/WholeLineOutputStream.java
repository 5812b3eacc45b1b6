package dev.nserv.jetty.logging;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Passes bytes on only as whole lines, each batch of complete lines in one {@code write} to the target, so that
 * two processes writing the same file, pipe or terminal -- the two generations of a restart after the successor
 * took over the old generation's stdout and stderr -- never interleave parts of lines. A {@code write(2)} of a
 * whole buffer to a file opened with {@code O_APPEND} lands in one piece; to a pipe, up to {@code PIPE_BUF} (4096
 * bytes on Linux) does.
 * <p>
 * A line still open stays here until its newline arrives ({@link #flush()} does not send it; a producer that
 * writes a line in several pieces, like a {@code PrintStream} flushing after each 8 KiB chunk, still ends up as one
 * write). Only a line longer than {@link #MAX_PENDING} bytes is passed on in pieces, and {@link #close()} sends
 * what is left.
 *
 * <pre>{@code
 * OutputStream out = new WholeLineOutputStream(new FileOutputStream(FileDescriptor.out));
 * }</pre>
 */
public final class WholeLineOutputStream extends OutputStream
{
    /** Longest line kept waiting for its newline, in bytes; a longer one is passed on as it comes. */
    public static final int MAX_PENDING = 1 << 20;

    private final OutputStream target;
    private byte[] buffer = new byte[512];
    private int size;

    /**
     * @param target where whole lines go; each batch arrives in one {@code write(byte[], int, int)} call
     */
    public WholeLineOutputStream(OutputStream target)
    {
        this.target = target;
    }

    @Override
    public void write(int b) throws IOException
    {
        write(new byte[]{(byte)b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException
    {
        if (size + length > buffer.length)
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + length));
        System.arraycopy(bytes, offset, buffer, size, length);
        size += length;
        int end = size;
        while (end > 0 && buffer[end - 1] != '\n')
            end--;
        if (end == 0 && size > MAX_PENDING)
            end = size;
        if (end == 0)
            return;
        try
        {
            target.write(buffer, 0, end);
            target.flush();
        }
        finally
        {
            // what failed to go out is dropped, never sent twice
            System.arraycopy(buffer, end, buffer, 0, size - end);
            size -= end;
            if (buffer.length > 64 * 1024 && size < 512)
                buffer = Arrays.copyOf(buffer, 512);
        }
    }

    /**
     * Ends an unfinished line with a newline and passes it on, e.g. when its producer went away.
     * @throws IOException if the target fails
     */
    public synchronized void endLine() throws IOException
    {
        if (size > 0)
            write(new byte[]{'\n'}, 0, 1);
    }

    /** Flushes the target; an unfinished line stays until its newline (see the class comment). */
    @Override
    public synchronized void flush() throws IOException
    {
        target.flush();
    }

    @Override
    public synchronized void close() throws IOException
    {
        try
        {
            if (size > 0)
                target.write(buffer, 0, size);
            size = 0;
        }
        finally
        {
            target.close();
        }
    }
}
