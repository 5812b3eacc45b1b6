package dev.nserv.jetty.handoff.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.eclipse.jetty.jmx.ObjectMBean;

/**
 * Gives the {@link dev.nserv.jetty.handoff.Restarter} a fixed JMX name,
 * {@value #NAME}, so that scripts and operators can find the {@code restart} operation without knowing the
 * Server's identity hash (Jetty's default name would carry a {@code context=oejs_Server@1a2b3c} key). Jetty's
 * {@code MBeanContainer} finds this class by its name and package; attributes and operations still come from
 * the annotations on {@code Restarter}.
 */
public class RestarterMBean extends ObjectMBean
{
    /** The JMX name of the restarter. */
    public static final String NAME = "dev.nserv.jetty.handoff:type=restarter,id=0";

    /**
     * @param managedObject the restarter
     */
    public RestarterMBean(Object managedObject)
    {
        super(managedObject);
    }

    @Override
    public ObjectName getObjectName()
    {
        try
        {
            return new ObjectName(NAME);
        }
        catch (MalformedObjectNameException x)
        {
            throw new IllegalStateException(x);
        }
    }
}
