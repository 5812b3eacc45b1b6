package dev.nserv.jetty.handoff;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The handoff conversation between the serving generation (old) and its successor (new), one line each,
 * over a private Unix domain socket whose path and token the successor finds in its environment:
 * <pre>
 * new: HELLO token pid
 * old: HANDOFF generation=1 pid=4242 control=... listeners=http,https limits=1000,1000   + fds: stdout, stderr, listeners...
 * new: READY pid                     (after it started and deployed everything)   or: FAILED reason
 * old: COMMIT                        (old stops accepting and drains)              or: ABORT reason
 * </pre>
 * The old generation keeps the connection open until it has stopped: the successor learns from the end of
 * stream that the previous generation is gone, and only then accepts a restart of its own (one or two
 * generations at any moment). Values are URL-encoded, so that no value contains a space.
 */
final class HandoffProtocol
{
    static final String ENV_SOCKET = "NSERV_HANDOFF_SOCKET";
    static final String ENV_TOKEN = "NSERV_HANDOFF_TOKEN";
    static final String ENV_GENERATION = "NSERV_GENERATION";

    static final String HELLO = "HELLO";
    static final String HANDOFF = "HANDOFF";
    static final String READY = "READY";
    static final String FAILED = "FAILED";
    static final String COMMIT = "COMMIT";
    static final String ABORT = "ABORT";

    /** fds sent before the listeners: the old generation's stdout and stderr. */
    static final int STDIO_FDS = 2;

    private HandoffProtocol()
    {
    }

    static String encode(String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static String decode(String value)
    {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

    static String encodeList(List<String> values)
    {
        List<String> encoded = new ArrayList<>();
        for (String v : values)
            encoded.add(encode(v));
        return String.join(",", encoded);
    }

    static List<String> decodeList(String value)
    {
        List<String> list = new ArrayList<>();
        if (value == null || value.isEmpty())
            return list;
        for (String v : value.split(",", -1))
            list.add(decode(v));
        return list;
    }

    /**
     * Parses {@code WORD key=value key=value}.
     * @param line the line
     * @return the keys and decoded values, in order
     */
    static Map<String, String> parameters(String line)
    {
        Map<String, String> map = new LinkedHashMap<>();
        String[] parts = line.split(" ");
        for (int i = 1; i < parts.length; i++)
        {
            int eq = parts[i].indexOf('=');
            if (eq > 0)
                map.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        }
        return map;
    }

    /**
     * @param line a line
     * @return its first word
     */
    static String command(String line)
    {
        int space = line.indexOf(' ');
        return space < 0 ? line : line.substring(0, space);
    }

    /**
     * @param line a line
     * @return everything after its first word, decoded, or empty
     */
    static String argument(String line)
    {
        int space = line.indexOf(' ');
        return space < 0 ? "" : decode(line.substring(space + 1));
    }
}
