package dev.nserv.filter;

import java.lang.management.ManagementFactory;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import jakarta.servlet.ServletException;

/**
 * Registers and unregisters this module's MBeans on the platform MBeanServer, under
 * {@code dev.nserv.filter:type=<type>,name=<name>,instance=<n>}. The readable {@code name} (a context or
 * limiter name) can be the same for two live copies of one webapp: a hot redeploy starts the new context before
 * it stops the old one, Tomcat's parallel deployment runs two versions side by side, and with a copy of the jar
 * in each {@code WEB-INF/lib} each copy has its own classes. The {@code instance} key tells them apart: one more
 * than the highest instance registered for that type and name (1 for the first), so while an older copy lives,
 * a newer one has the higher number. The MBeanServer is the only state all copies share, so it settles races
 * between them: a taken name is retried with the next number. Match every copy with
 * {@code dev.nserv.filter:type=<type>,name=<name>,*}.
 */
final class Jmx
{
    /** The JMX domain of every MBean of this module. */
    static final String DOMAIN = "dev.nserv.filter";
    /** The ObjectName key that tells copies of one name apart. */
    static final String INSTANCE = "instance";
    private static final int ATTEMPTS = 100;
    private static final Logger LOG = Logger.getLogger(Jmx.class.getName());

    private Jmx()
    {
    }

    /** @return the pattern matching every instance of one type and name */
    static ObjectName pattern(String type, String name)
    {
        return objectName(DOMAIN + ":type=" + type + ",name=" + name + ",*", name);
    }

    static ObjectName name(String type, String name, int instance)
    {
        return objectName(DOMAIN + ":type=" + type + ",name=" + name + "," + INSTANCE + "=" + instance, name);
    }

    private static ObjectName objectName(String text, String name)
    {
        try
        {
            return new ObjectName(text);
        }
        catch (MalformedObjectNameException e)
        {
            throw new IllegalArgumentException("name '" + name + "' cannot be used in a JMX ObjectName", e);
        }
    }

    /**
     * Registers {@code impl} under the next free instance of {@code type} and {@code name}.
     * @return the ObjectName it got
     */
    static <T> ObjectName register(T impl, Class<T> iface, String type, String name) throws ServletException
    {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        JMException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++)
        {
            ObjectName objectName = name(type, name, highestInstance(server, type, name) + 1);
            try
            {
                server.registerMBean(new StandardMBean(impl, iface), objectName);
                return objectName;
            }
            catch (InstanceAlreadyExistsException e)
            {
                // another copy (another class loader) took this number between the query and the registration
                last = e;
            }
            catch (JMException e)
            {
                ServletException failure = new ServletException("cannot register MBean " + objectName + ": " + e);
                failure.initCause(e);
                throw failure;
            }
        }
        ServletException failure = new ServletException("cannot register an MBean " + pattern(type, name) + ": every instance number tried was taken " +
            "by a concurrent registration (" + ATTEMPTS + " attempts)");
        failure.initCause(last);
        throw failure;
    }

    private static int highestInstance(MBeanServer server, String type, String name)
    {
        int highest = 0;
        for (ObjectName existing : server.queryNames(pattern(type, name), null))
        {
            String value = existing.getKeyProperty(INSTANCE);
            if (value == null)
                continue;
            try
            {
                highest = Math.max(highest, Integer.parseInt(value));
            }
            catch (NumberFormatException e)
            {
                // not one of ours: ignore it
            }
        }
        return highest;
    }

    static void unregister(ObjectName objectName)
    {
        if (objectName == null)
            return;
        try
        {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
        }
        catch (JMException e)
        {
            LOG.log(Level.WARNING, "cannot unregister MBean " + objectName, e);
        }
    }

    /** Makes a string usable as an unquoted ObjectName value: characters outside {@code A-Za-z0-9._-} become '_'. */
    static String sanitize(String raw)
    {
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++)
        {
            char c = raw.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            out.append(ok ? c : '_');
        }
        if (out.length() > 128)
            out.setLength(128);
        return out.length() == 0 ? "_" : out.toString();
    }

    /** @return a context path as a name part: {@code ROOT} for the root context, else the path without its leading slash */
    static String contextName(String contextPath)
    {
        if (contextPath == null || contextPath.isEmpty() || "/".equals(contextPath))
            return "ROOT";
        return sanitize(contextPath.startsWith("/") ? contextPath.substring(1) : contextPath);
    }
}
