package dev.nserv.jetty;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import javax.management.Attribute;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.eclipse.jetty.jmx.MBeanContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The connector's limit and counters through the platform MBeanServer, as a JMX client sees them.
 */
class ThrottledServerConnectorJmxTest
{
    @RegisterExtension
    final ThrottledConnectorFixture fixture = new ThrottledConnectorFixture();
    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    private final MBeanContainer container = new MBeanContainer(mbeans);
    private ThrottledServerConnector connector;
    private ObjectName name;

    @BeforeEach
    void start() throws Exception
    {
        connector = fixture.serverBean(container).start();
        name = container.findMBean(connector);
        assertThat(name).isNotNull();
    }

    // Runs before the fixture's own stop, which then finds the server stopped: the MBeans go after the server.
    @AfterEach
    void stop() throws Exception
    {
        fixture.server().stop();
        container.destroy();
    }

    @Test
    void attributesAreExposedWithTheRightAccess() throws Exception
    {
        Map<String, MBeanAttributeInfo> attributes = Arrays.stream(mbeans.getMBeanInfo(name).getAttributes())
            .collect(Collectors.toMap(MBeanAttributeInfo::getName, a -> a));
        assertThat(attributes.get("maxConnections").isWritable()).isTrue();
        assertThat(attributes.get("overloadPolicy").isWritable()).isTrue();
        assertThat(attributes.get("retryAfterSeconds").isWritable()).isTrue();
        for (String counter : new String[]{"activeConnections", "peakConnections", "acceptedConnections", "shedConnections", "waitingAcceptors"})
        {
            assertThat(attributes).containsKey(counter);
            assertThat(attributes.get(counter).isWritable()).as(counter).isFalse();
        }
        assertThat(mbeans.getAttribute(name, "maxConnections")).isEqualTo(ThrottledServerConnector.DEFAULT_MAX_CONNECTIONS);
        assertThat(mbeans.getAttribute(name, "overloadPolicy")).isEqualTo("WAIT");
    }

    @Test
    void limitAndPolicyAreSetThroughJmxAndCountersFollow() throws Exception
    {
        mbeans.setAttribute(name, new Attribute("maxConnections", 7));
        assertThat(connector.getMaxConnections()).isEqualTo(7);
        assertThat(mbeans.getAttribute(name, "maxConnections")).isEqualTo(7);

        mbeans.setAttribute(name, new Attribute("overloadPolicy", "shed"));
        assertThat(connector.getOverloadPolicy()).isEqualTo(OverloadPolicy.SHED);

        assertThat(ThrottledTestSupport.get(connector.getLocalPort()).status()).isEqualTo(200);
        assertThat(mbeans.getAttribute(name, "acceptedConnections")).isEqualTo(1L);
        assertThat(mbeans.getAttribute(name, "peakConnections")).isEqualTo(1);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
            .until(() -> Integer.valueOf(0).equals(mbeans.getAttribute(name, "activeConnections")));
        mbeans.invoke(name, "resetPeak", new Object[0], new String[0]);
        assertThat(mbeans.getAttribute(name, "peakConnections")).isEqualTo(0);
    }

    @Test
    void limitBelowOneGivesTheJmxClientAnErrorNamingTheProblem() throws Exception
    {
        assertThatThrownBy(() -> mbeans.setAttribute(name, new Attribute("maxConnections", 0)))
            .isInstanceOf(MBeanException.class)
            .satisfies(x -> assertThat(((MBeanException)x).getTargetException())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxConnections must be at least 1, but was 0"));
        assertThat(connector.getMaxConnections()).isEqualTo(ThrottledServerConnector.DEFAULT_MAX_CONNECTIONS);

        assertThatThrownBy(() -> mbeans.setAttribute(name, new Attribute("overloadPolicy", "drop")))
            .isInstanceOf(MBeanException.class)
            .satisfies(x -> assertThat(((MBeanException)x).getTargetException())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overloadPolicy must be one of [WAIT, SHED]"));
    }
}
