package dev.nserv.jetty.warmup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one warm-up request, in-process or over the private socket, and judges its response: a 2xx/3xx status is a
 * success, anything else a failure described in a few words. A session the response created is invalidated at once.
 *
 * <pre>{@code
 * String failure = WarmUpExchange.send(local, null, target, sessions, 1000);
 * boolean timedOut = WarmUpExchange.NO_RESPONSE.equals(failure);
 * }</pre>
 */
final class WarmUpExchange
{
    /** What {@link #send} returns when no complete response came within its timeout. */
    static final String NO_RESPONSE = "no response";

    // logs as WarmUp: the log lines and their logger stay those of the bean users configure
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    private WarmUpExchange()
    {
    }

    /**
     * @param local the in-process connector, used when {@code socket} is null
     * @param socket the private socket connector, or null to go in-process
     * @param sessions the server's session managers, for the sessions a response creates
     * @param timeoutMs how long to wait for the response, in ms
     * @return null when the request succeeded, {@link #NO_RESPONSE} when no response came in time, else what went wrong
     */
    static String send(LocalConnector local, PrivateConnector socket, WarmUpPlan.Target target, List<SessionManager> sessions, long timeoutMs)
    {
        WarmUpRequest request = target.request();
        boolean head = request.method().equals("HEAD");
        String raw = request.method() + " " + request.path() + " HTTP/1.1\r\n" +
            "Host: " + target.host() + "\r\n" +
            WarmUp.HEADER + ": 1\r\n" +
            "User-Agent: nserv-warmup\r\n" +
            "Accept: */*\r\n" +
            "Connection: close\r\n\r\n";
        LocalConnector.LocalEndPoint endPoint = socket == null ? local.executeRequest(raw) : null;
        try
        {
            ByteBuffer bytes = endPoint != null ? endPoint.waitForResponse(head, timeoutMs, TimeUnit.MILLISECONDS) : socket.exchange(raw, timeoutMs);
            if (bytes == null)
                return NO_RESPONSE;
            HttpTester.Response response = head ? HttpTester.parseHeadResponse(bytes) : HttpTester.parseResponse(bytes);
            if (response == null)
                return "gave an unreadable response: " + StandardCharsets.ISO_8859_1.decode(bytes.duplicate()).toString().lines().findFirst().orElse("");
            invalidateSessions(response.getValuesList(HttpHeader.SET_COOKIE), sessions);
            int status = response.getStatus();
            if (status < 200 || status >= 400)
                return "answered " + status;
            return null;
        }
        catch (Exception x)
        {
            return "failed: " + x;
        }
        finally
        {
            if (endPoint != null)
                endPoint.close();
        }
    }

    private static void invalidateSessions(List<String> setCookies, List<SessionManager> sessions)
    {
        // Each warm-up request comes without a cookie, so a webapp that calls getSession() makes a new session
        // every time; left alone they would pile up (and count as visitors) until they time out.
        for (String setCookie : setCookies)
        {
            int equals = setCookie.indexOf('=');
            if (equals <= 0)
                continue;
            String name = setCookie.substring(0, equals).trim();
            int end = setCookie.indexOf(';', equals);
            String value = setCookie.substring(equals + 1, end < 0 ? setCookie.length() : end).trim();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\""))
                value = value.substring(1, value.length() - 1);
            if (value.isEmpty())
                continue;
            for (SessionManager manager : sessions)
            {
                if (!name.equalsIgnoreCase(manager.getSessionCookie()))
                    continue;
                try
                {
                    ManagedSession session = manager.getManagedSession(value);
                    if (session != null && session.isValid())
                        session.invalidate();
                }
                catch (Exception x)
                {
                    LOG.debug("warm-up: cannot invalidate session {}", value, x);
                }
            }
        }
    }
}
