package dev.nserv.jetty.logging;

import java.nio.file.Path;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.CustomRequestLog;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.RequestLog;

/**
 * The access log of the bundled server: Jetty's {@link CustomRequestLog} (format strings as documented there;
 * default {@link CustomRequestLog#EXTENDED_NCSA_FORMAT}, the NCSA combined format) writing through an
 * {@link AppendingRequestLogWriter}.
 *
 * <pre>{@code
 * server.setRequestLog(AccessLogs.create(Path.of("access.log"), CustomRequestLog.EXTENDED_NCSA_FORMAT));
 * }</pre>
 */
public final class AccessLogs
{
    private AccessLogs()
    {
    }

    /**
     * @param file the file appended to
     * @param format a {@code CustomRequestLog} format string
     * @return the request log, not started
     * @throws IllegalArgumentException naming a format that Jetty cannot parse
     */
    public static CustomRequestLog create(Path file, String format)
    {
        checkFormat(format);
        return new CustomRequestLog(new AppendingRequestLogWriter(file.toString()), format);
    }

    /**
     * Leaves out a successor's warm-up requests, which no client made: those sent in-process (a
     * {@link LocalConnector}) and those sent over the warm-up's private socket connector, which is never one of the
     * server's connectors. The delegate must be started on its own (e.g. as a bean of the server).
     * @param delegate the access log
     * @return a request log that passes only network requests on
     */
    public static RequestLog networkOnly(RequestLog delegate)
    {
        return (request, response) ->
        {
            Connector connector = request.getConnectionMetaData().getConnector();
            if (!(connector instanceof LocalConnector) && isServed(connector))
                delegate.log(request, response);
        };
    }

    private static boolean isServed(Connector connector)
    {
        for (Connector served : connector.getServer().getConnectors())
        {
            if (served == connector)
                return true;
        }
        return false;
    }

    /**
     * Parses a format the way {@code CustomRequestLog} does, so that a bad one fails before the server starts.
     * @param format the format string
     * @return the format
     * @throws IllegalArgumentException naming the format
     */
    public static String checkFormat(String format)
    {
        if (format == null || format.isBlank())
            throw new IllegalArgumentException("the access log format is empty: give a CustomRequestLog format such as \"" + CustomRequestLog.NCSA_FORMAT + "\"");
        try
        {
            new CustomRequestLog((String entry) -> { }, format);
        }
        catch (RuntimeException x)
        {
            throw new IllegalArgumentException("access log format '" + format + "' is not a CustomRequestLog format (" + x.getMessage() +
                "); e.g. \"" + CustomRequestLog.NCSA_FORMAT + "\"", x);
        }
        return format;
    }
}
