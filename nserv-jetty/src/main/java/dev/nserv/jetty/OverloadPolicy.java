package dev.nserv.jetty;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a {@link ThrottledServerConnector} does with a client that arrives while {@code maxConnections}
 * connections are open.
 * <pre>{@code
 * connector.setOverloadPolicy(OverloadPolicy.SHED);
 * connector.setOverloadPolicy("shed"); // the same, for jetty.xml and JMX
 * }</pre>
 */
public enum OverloadPolicy
{
    /**
     * The client is not accepted: it waits in the kernel's accept backlog until a connection ends
     * (the behaviour of the original nserv). Clients beyond the backlog see their connection attempts
     * dropped and retried by their TCP stack.
     */
    WAIT,
    /**
     * The client is accepted, answered {@code 503 Service Unavailable} with {@code Retry-After} and
     * {@code Connection: close}, and closed at once, for operators who prefer fast failure. On a connector
     * whose first protocol is not plain HTTP/1.1 (TLS, PROXY, HTTP/2 prior knowledge) no response can be
     * written before that protocol runs, so the connection is just closed.
     */
    SHED;

    /**
     * Parses a policy name, ignoring case and surrounding blanks.
     *
     * @param name {@code "WAIT"} or {@code "SHED"}, in any case
     * @return the policy
     * @throws IllegalArgumentException if the name is null or not a policy
     */
    public static OverloadPolicy parse(String name)
    {
        if (name != null)
        {
            String key = name.trim().toUpperCase(Locale.ROOT);
            for (OverloadPolicy policy : values())
            {
                if (policy.name().equals(key))
                    return policy;
            }
        }
        throw new IllegalArgumentException("overloadPolicy must be one of " + Arrays.toString(values()) +
            " (any case), but was '" + name + "'");
    }
}
