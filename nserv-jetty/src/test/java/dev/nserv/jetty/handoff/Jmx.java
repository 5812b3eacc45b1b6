package dev.nserv.jetty.handoff;

import java.io.IOException;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.VirtualMachine;

/** A JMX connection to a local JVM through the attach API, as jconsole makes it. */
final class Jmx implements AutoCloseable
{
    static final String RESTARTER = "dev.nserv.jetty.handoff:type=restarter,id=0";

    private final JMXConnector connector;
    final MBeanServerConnection connection;

    Jmx(long pid) throws Exception
    {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        try
        {
            connector = JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent()));
        }
        finally
        {
            vm.detach();
        }
        connection = connector.getMBeanServerConnection();
    }

    Object invoke(String operation) throws Exception
    {
        return connection.invoke(new ObjectName(RESTARTER), operation, new Object[0], new String[0]);
    }

    Object attribute(String name) throws Exception
    {
        return connection.getAttribute(new ObjectName(RESTARTER), name);
    }

    @Override
    public void close() throws IOException
    {
        connector.close();
    }
}
