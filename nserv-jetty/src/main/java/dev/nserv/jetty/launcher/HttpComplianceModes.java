package dev.nserv.jetty.launcher;

import java.util.List;
import java.util.Locale;

import org.eclipse.jetty.http.HttpCompliance;

/**
 * The names {@code --http-compliance} accepts, mapped to Jetty's {@link HttpCompliance} modes. The default,
 * {@code RFC9110}, is Jetty's: it tolerates one thing RFC 9112 section 2.2 allows a recipient to accept, a bare LF
 * ending the request line or a header line. {@code STRICT} allows no violation at all, so such a request gets 400;
 * {@code RFC7230}, {@code RFC2616} and the {@code LEGACY} modes are more lenient, for old clients.
 *
 * <pre>{@code
 * httpConfig.setHttpCompliance(HttpComplianceModes.parse("STRICT"));
 * }</pre>
 */
final class HttpComplianceModes
{
    /** The default mode's name. */
    static final String DEFAULT = "RFC9110";

    /** Jetty's named modes, strictest first. */
    static final List<String> NAMES = List.of("STRICT", "RFC9110", "RFC7230", "RFC2616", "LEGACY", "RFC7230_LEGACY", "RFC2616_LEGACY");

    private HttpComplianceModes()
    {
    }

    /**
     * @param name a mode name, in any case
     * @return Jetty's mode of that name
     * @throws IllegalArgumentException naming the value and the accepted names
     */
    static HttpCompliance parse(String name)
    {
        String upper = name.trim().toUpperCase(Locale.ROOT);
        // checked against the list first: HttpCompliance.valueOf logs a warning for an unknown name
        if (NAMES.contains(upper))
        {
            HttpCompliance mode = HttpCompliance.valueOf(upper);
            if (mode != null)
                return mode;
        }
        throw new IllegalArgumentException("--http-compliance must be one of " + String.join(", ", NAMES) + ", was '" + name + "'");
    }
}
