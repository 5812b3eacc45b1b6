package dev.nserv.jetty;

import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.util.ArrayList;
import java.util.List;

import jdk.net.ExtendedSocketOptions;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <p>Switches TCP keep-alive on for every socket a connector accepts, with its own probe timings, so that a peer
 * that vanished without a FIN or RST (a crashed host, a dropped NAT mapping) is detected even when the idle
 * timeout is long or disabled. Under a connection limit this matters: a dead peer's connection holds a permit
 * until something closes it. The defaults, 60 s idle and then 6 probes 10 s apart, detect a dead peer within
 * two minutes, where the Linux defaults take more than two hours.</p>
 * <p>It is a {@link SelectorManager.AcceptListener}: it sets the options as each socket is accepted, before the
 * socket is registered with a selector, on any {@code ServerConnector}. Add it as a bean of one connector before
 * that connector starts, or build it with a {@link Server} (every connector of the server when it starts) or
 * with the connectors it is for. Changes to the settings apply to sockets accepted afterwards. Where the
 * platform does not offer the per-socket timings, SO_KEEPALIVE alone is set and the OS's timings apply; a
 * channel without SO_KEEPALIVE (a Unix-domain socket) is left alone.</p>
 * <pre>{@code
 * connector.addBean(new TcpKeepAlive());
 * }</pre>
 * <p>or in jetty.xml, inside the connector's {@code <New>} or {@code <Ref>}:</p>
 * <pre>{@code
 * <Call name="addBean"><Arg>
 *   <New class="dev.nserv.jetty.TcpKeepAlive">
 *     <Set name="idleSeconds">60</Set>
 *     <Set name="intervalSeconds">10</Set>
 *     <Set name="probeCount">6</Set>
 *   </New>
 * </Arg></Call>
 * }</pre>
 */
@ManagedObject("TCP keep-alive on accepted sockets")
public class TcpKeepAlive extends AbstractLifeCycle implements SelectorManager.AcceptListener
{
    /** The default idle time before the first keep-alive probe, in seconds. */
    public static final int DEFAULT_IDLE_SECONDS = 60;
    /** The default interval between keep-alive probes, in seconds. */
    public static final int DEFAULT_INTERVAL_SECONDS = 10;
    /** The default number of unanswered probes before the kernel drops the connection. */
    public static final int DEFAULT_PROBE_COUNT = 6;

    private static final Logger LOG = LoggerFactory.getLogger(TcpKeepAlive.class);

    private final Server server;
    private final List<AbstractConnector> connectors = new ArrayList<>();
    private volatile boolean enabled = true;
    private volatile int idleSeconds = DEFAULT_IDLE_SECONDS;
    private volatile int intervalSeconds = DEFAULT_INTERVAL_SECONDS;
    private volatile int probeCount = DEFAULT_PROBE_COUNT;

    /**
     * For use as a bean of one connector: {@code connector.addBean(new TcpKeepAlive())}.
     */
    public TcpKeepAlive()
    {
        this((Server)null);
    }

    /**
     * Applies to every connector the server has when this bean starts; add it to the server with
     * {@code server.addBean(...)}.
     *
     * @param server the server whose connectors to configure
     */
    public TcpKeepAlive(@Name("server") Server server)
    {
        this.server = server;
    }

    /**
     * Applies to the given connectors once this bean starts; add it to the server with {@code server.addBean(...)}.
     *
     * @param connectors the connectors to configure; each must be an {@link AbstractConnector}
     * @throws IllegalArgumentException if one is not
     */
    public TcpKeepAlive(@Name("connectors") Connector... connectors)
    {
        this((Server)null);
        for (Connector connector : connectors)
            this.connectors.add(abstractConnector(connector));
    }

    private static AbstractConnector abstractConnector(Connector connector)
    {
        if (connector instanceof AbstractConnector abstractConnector)
            return abstractConnector;
        throw new IllegalArgumentException("TcpKeepAlive needs AbstractConnectors, which tell accept listeners of " +
            "accepted sockets, but " + connector + " is not one: add the bean to a ServerConnector instead");
    }

    /**
     * @return whether SO_KEEPALIVE is switched on for accepted sockets
     */
    @ManagedAttribute("Whether SO_KEEPALIVE is switched on for sockets accepted from now on")
    public boolean isEnabled()
    {
        return enabled;
    }

    /**
     * @param enabled true (the default) to switch SO_KEEPALIVE on for accepted sockets; false to leave them as
     * the OS accepts them
     */
    public void setEnabled(boolean enabled)
    {
        this.enabled = enabled;
    }

    /**
     * @return the idle time before the first probe, in seconds; 0 for the OS default
     */
    @ManagedAttribute("TCP_KEEPIDLE of accepted sockets in seconds, 0 for the OS default")
    public int getIdleSeconds()
    {
        return idleSeconds;
    }

    /**
     * @param seconds the time a connection must be idle before the first probe, in seconds (default 60); 0 leaves
     * the OS default (7200 s on Linux)
     * @throws IllegalArgumentException if negative
     */
    public void setIdleSeconds(int seconds)
    {
        idleSeconds = checkNotNegative("idleSeconds", seconds);
    }

    /**
     * @return the interval between probes, in seconds; 0 for the OS default
     */
    @ManagedAttribute("TCP_KEEPINTERVAL of accepted sockets in seconds, 0 for the OS default")
    public int getIntervalSeconds()
    {
        return intervalSeconds;
    }

    /**
     * @param seconds the interval between unanswered probes, in seconds (default 10); 0 leaves the OS default
     * (75 s on Linux)
     * @throws IllegalArgumentException if negative
     */
    public void setIntervalSeconds(int seconds)
    {
        intervalSeconds = checkNotNegative("intervalSeconds", seconds);
    }

    /**
     * @return the number of unanswered probes before the connection is dropped; 0 for the OS default
     */
    @ManagedAttribute("TCP_KEEPCOUNT of accepted sockets, 0 for the OS default")
    public int getProbeCount()
    {
        return probeCount;
    }

    /**
     * @param count the number of unanswered probes after which the kernel drops the connection (default 6); 0
     * leaves the OS default (9 on Linux)
     * @throws IllegalArgumentException if negative
     */
    public void setProbeCount(int count)
    {
        probeCount = checkNotNegative("probeCount", count);
    }

    private static int checkNotNegative(String name, int value)
    {
        if (value < 0)
            throw new IllegalArgumentException(name + " must be 0 (the OS default) or more, but was " + value);
        return value;
    }

    @Override
    protected void doStart() throws Exception
    {
        if (server != null)
        {
            for (Connector connector : server.getConnectors())
            {
                if (connector instanceof AbstractConnector abstractConnector)
                    connectors.add(abstractConnector);
                else
                    LOG.warn("{} is not an AbstractConnector: its accepted sockets get no TCP keep-alive", connector);
            }
        }
        // A ServerConnector hands the accept listeners among its beans to its SelectorManager when it starts,
        // which the server does after starting its other beans, this one included.
        for (AbstractConnector connector : connectors)
            connector.addBean(this);
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception
    {
        for (AbstractConnector connector : connectors)
            connector.removeBean(this);
        // The server's connectors are looked up again at the next start.
        if (server != null)
            connectors.clear();
        super.doStop();
    }

    @Override
    public void onAccepting(SelectableChannel channel)
    {
        if (!enabled || !(channel instanceof NetworkChannel socket) ||
            !socket.supportedOptions().contains(StandardSocketOptions.SO_KEEPALIVE))
            return;
        try
        {
            socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPIDLE, idleSeconds);
            setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPINTERVAL, intervalSeconds);
            setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPCOUNT, probeCount);
        }
        catch (IOException x)
        {
            // The socket may already be closed (the client gave up, or another listener refused it).
            LOG.debug("Could not configure TCP keep-alive on {}", channel, x);
        }
    }

    private static void setIfSupported(NetworkChannel socket, SocketOption<Integer> option, int value) throws IOException
    {
        // Not every platform offers the per-socket keep-alive timings; SO_KEEPALIVE alone then uses the OS's.
        if (value > 0 && socket.supportedOptions().contains(option))
            socket.setOption(option, value);
    }

    @Override
    public String toString()
    {
        return String.format("%s@%x{%s,idle=%ds,interval=%ds,probes=%d}", getClass().getSimpleName(), hashCode(),
            enabled ? "on" : "off", idleSeconds, intervalSeconds, probeCount);
    }
}
