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

/** Registers and unregisters this module's MBeans on the platform MBeanServer. */
final class Jmx
{
    /** The JMX domain of every MBean of this module. */
    static final String DOMAIN = "dev.nserv.filter";
    private static final Logger LOG = Logger.getLogger(Jmx.class.getName());

    private Jmx()
    {
    }

    static ObjectName name(String type, String name)
    {
        try
        {
            return new ObjectName(DOMAIN + ":type=" + type + ",name=" + name);
        }
        catch (MalformedObjectNameException e)
        {
            throw new IllegalArgumentException("name '" + name + "' cannot be used in a JMX ObjectName", e);
        }
    }

    /**
     * @param what how to name the setting to change in a failure message, e.g. "init-param 'limiter-name'"
     */
    static <T> ObjectName register(T impl, Class<T> iface, String type, String name, String what) throws ServletException
    {
        ObjectName objectName = name(type, name);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try
        {
            server.registerMBean(new StandardMBean(impl, iface), objectName);
            return objectName;
        }
        catch (InstanceAlreadyExistsException e)
        {
            // the same name from another class loader: another webapp with its own copy of this jar
            ServletException failure = new ServletException("MBean " + objectName + " is already registered by another copy of nserv-servlet-filter " +
                "(another webapp?): choose another " + what + ", or put the jar in the container's shared lib to share the limiter");
            failure.initCause(e);
            throw failure;
        }
        catch (JMException e)
        {
            ServletException failure = new ServletException("cannot register MBean " + objectName + ": " + e);
            failure.initCause(e);
            throw failure;
        }
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
