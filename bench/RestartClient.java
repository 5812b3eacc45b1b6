import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * New-connection-per-request load for bench/restart-bench.sh (JDK only, run with the source launcher).
 * <p>
 * THREADS threads each open a fresh TCP connection per request, send {@code GET PATH} with
 * {@code Connection: close}, read the response to EOF (so the server closes first and the client keeps no
 * TIME_WAIT sockets), then pause PAUSE_MS. Runs until standard input reaches EOF or MAX_SECONDS pass.
 * Each request becomes one line of OUT_FILE: {@code start_epoch_us latency_us kind pid}, kind being {@code 200},
 * another status code ({@code non200} in the summary), {@code refused}, {@code reset}, {@code timeout}
 * (connect or read, 5 s), {@code eof} (closed before a complete status line) or {@code other}, and pid the
 * {@code pid=N} the demo webapp answers with (which process served it), {@code -} when absent.
 * The summary (counts by kind) is printed on standard output at the end.
 * <pre>
 * java bench/RestartClient.java HOST PORT THREADS PAUSE_MS MAX_SECONDS OUT_FILE [PATH]
 * </pre>
 */
public class RestartClient
{
    private static final int TIMEOUT_MS = 5000;

    private static volatile boolean stopped;

    /** One thread's records, four longs per request (start us, latency us, kind index, serving pid or -1). */
    private static final class Records
    {
        long[] data = new long[4 * 65536];
        int size;

        void add(long startUs, long latencyUs, int kind, long pid)
        {
            if (size + 4 > data.length)
                data = Arrays.copyOf(data, data.length * 2);
            data[size++] = startUs;
            data[size++] = latencyUs;
            data[size++] = kind;
            data[size++] = pid;
        }
    }

    private static final List<String> KINDS = new ArrayList<>(List.of("refused", "reset", "timeout", "eof", "other"));

    private static synchronized int kindIndex(String kind)
    {
        int i = KINDS.indexOf(kind);
        if (i < 0)
        {
            KINDS.add(kind);
            i = KINDS.size() - 1;
        }
        return i;
    }

    public static void main(String[] args) throws Exception
    {
        if (args.length < 6)
        {
            System.err.println("usage: RestartClient HOST PORT THREADS PAUSE_MS MAX_SECONDS OUT_FILE [PATH]");
            System.exit(2);
        }
        InetSocketAddress address = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int threads = Integer.parseInt(args[2]);
        long pauseMs = Long.parseLong(args[3]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[4]));
        Path out = Path.of(args[5]);
        String path = args.length > 6 ? args[6] : "/";
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + args[0] + ":" + args[1] + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
        int ok = kindIndex("200");

        Thread stdinWatch = new Thread(() ->
        {
            try
            {
                while (System.in.read() >= 0)
                {
                    // the orchestrator stops us by closing our standard input
                }
            }
            catch (IOException ignored)
            {
                // treat like EOF
            }
            stopped = true;
        }, "stdin-watch");
        stdinWatch.setDaemon(true);
        stdinWatch.start();

        Records[] records = new Records[threads];
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            Records mine = records[t] = new Records();
            workers[t] = new Thread(() ->
            {
                byte[] buffer = new byte[8192];
                while (!stopped && System.nanoTime() < deadline)
                {
                    long startUs = epochMicros();
                    long t0 = System.nanoTime();
                    String kind;
                    long[] pid = {-1};
                    try (Socket socket = new Socket())
                    {
                        socket.connect(address, TIMEOUT_MS);
                        socket.setSoTimeout(TIMEOUT_MS);
                        OutputStream output = socket.getOutputStream();
                        output.write(request);
                        output.flush();
                        kind = readStatus(socket.getInputStream(), buffer, pid);
                    }
                    catch (ConnectException x)
                    {
                        kind = "refused";
                    }
                    catch (SocketTimeoutException x)
                    {
                        kind = "timeout";
                    }
                    catch (SocketException x)
                    {
                        String message = String.valueOf(x.getMessage()).toLowerCase();
                        kind = message.contains("reset") || message.contains("broken pipe") ? "reset" : "other";
                    }
                    catch (IOException x)
                    {
                        kind = "other";
                    }
                    long latencyUs = (System.nanoTime() - t0) / 1000;
                    mine.add(startUs, latencyUs, kind.equals("200") ? ok : kindIndex(kind), pid[0]);
                    if (pauseMs > 0)
                    {
                        try
                        {
                            Thread.sleep(pauseMs);
                        }
                        catch (InterruptedException x)
                        {
                            return;
                        }
                    }
                }
            }, "client-" + t);
            workers[t].start();
        }
        for (Thread worker : workers)
            worker.join();

        Map<String, Long> counts = new TreeMap<>();
        try (BufferedWriter writer = Files.newBufferedWriter(out))
        {
            for (Records r : records)
            {
                for (int i = 0; i < r.size; i += 4)
                {
                    String kind = KINDS.get((int)r.data[i + 2]);
                    writer.write(r.data[i] + " " + r.data[i + 1] + " " + kind + " " + (r.data[i + 3] < 0 ? "-" : r.data[i + 3]) + "\n");
                    counts.merge(kind, 1L, Long::sum);
                }
            }
        }
        System.out.println("requests " + counts.values().stream().mapToLong(Long::longValue).sum() + " " + counts);
    }

    private static long epochMicros()
    {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    /**
     * Reads the whole response until the server closes and returns the status code, or "eof" if no complete
     * status line arrived; stores the body's {@code pid=N} in pid[0] when present.
     */
    private static String readStatus(InputStream input, byte[] buffer, long[] pid) throws IOException
    {
        StringBuilder response = new StringBuilder();
        int n;
        while ((n = input.read(buffer)) >= 0)
        {
            if (response.length() < 4096)
                response.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        }
        int eol = response.indexOf("\r\n");
        if (eol < 0)
            return "eof";
        int at = response.indexOf("pid=");
        if (at >= 0)
        {
            int end = at + 4;
            while (end < response.length() && Character.isDigit(response.charAt(end)))
                end++;
            if (end > at + 4)
                pid[0] = Long.parseLong(response.substring(at + 4, end));
        }
        String[] status = response.substring(0, eol).split(" ");
        return status.length >= 2 ? status[1] : "eof";
    }
}
