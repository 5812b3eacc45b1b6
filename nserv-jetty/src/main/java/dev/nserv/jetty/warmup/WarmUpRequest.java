package dev.nserv.jetty.warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One request that {@link WarmUp} repeats: a method that is safe to repeat (GET or HEAD) and a path with an optional
 * query. Written {@code /path}, {@code GET /path} or {@code HEAD /path}; lists separate entries with commas.
 *
 * @param method {@code GET} or {@code HEAD}
 * @param path the request target, starting with {@code /}
 */
public record WarmUpRequest(String method, String path)
{
    /**
     * @param method {@code GET} or {@code HEAD}
     * @param path the request target, starting with {@code /}
     * @throws IllegalArgumentException for another method or a path that is not an origin-form request target
     */
    public WarmUpRequest
    {
        if (!"GET".equals(method) && !"HEAD".equals(method))
            throw new IllegalArgumentException("warm-up sends only GET and HEAD, which are safe to repeat; '" + method + " " + path + "' is refused");
        checkPath(path);
    }

    /**
     * Reads one entry such as {@code /}, {@code GET /status?probe=1} or {@code HEAD /static/app.js}.
     * @param text the entry
     * @return the request
     * @throws IllegalArgumentException naming the entry when it cannot be used
     */
    public static WarmUpRequest parse(String text)
    {
        String entry = text == null ? "" : text.trim();
        if (entry.isEmpty())
            throw new IllegalArgumentException("empty warm-up path: write e.g. '/' or 'HEAD /static/app.js'");
        int space = entry.indexOf(' ');
        if (space < 0)
            return new WarmUpRequest("GET", entry);
        String method = entry.substring(0, space).toUpperCase(Locale.ROOT);
        return new WarmUpRequest(method, entry.substring(space + 1).trim());
    }

    /**
     * Reads a comma-separated list of entries (see {@link #parse(String)}).
     * @param text the list, e.g. {@code /, /api/status, HEAD /logo.png}
     * @return the requests, in order; empty for {@code none}
     * @throws IllegalArgumentException naming the first entry that cannot be used
     */
    public static List<WarmUpRequest> parseList(String text)
    {
        String list = text == null ? "" : text.trim();
        if (list.equalsIgnoreCase(WarmUp.NONE))
            return List.of();
        List<WarmUpRequest> requests = new ArrayList<>();
        for (String entry : list.split(",", -1))
            requests.add(parse(entry));
        return List.copyOf(requests);
    }

    /**
     * @param contextPath a context path, {@code ""} or {@code /} for the root context
     * @return this request with its path under the context
     */
    WarmUpRequest under(String contextPath)
    {
        if (contextPath == null || contextPath.isEmpty() || contextPath.equals("/"))
            return this;
        return new WarmUpRequest(method, contextPath + path);
    }

    @Override
    public String toString()
    {
        return method + " " + path;
    }

    private static void checkPath(String path)
    {
        if (path == null || !path.startsWith("/") || path.startsWith("//"))
            throw new IllegalArgumentException("warm-up path '" + path + "' must start with a single '/', e.g. '/' or '/api/status'");
        for (int i = 0; i < path.length(); i++)
        {
            char c = path.charAt(i);
            if (c <= ' ' || c == 0x7f || c == '#')
                throw new IllegalArgumentException("warm-up path '" + path + "' contains a space, a control character or '#'; percent-encode it");
        }
    }
}
