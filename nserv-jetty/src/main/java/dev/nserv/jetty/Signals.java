package dev.nserv.jetty;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Installs POSIX signal handlers through {@code sun.misc.Signal} (module jdk.unsupported, present in every JDK
 * nserv supports). It is reached by reflection because javac warns on every direct use of that class and the
 * warning cannot be suppressed.
 *
 * <pre>{@code
 * Signals.handle("TERM", nserv::stop);
 * }</pre>
 */
public final class Signals
{
    private Signals()
    {
    }

    /**
     * Replaces the JVM's handling of a signal; the action runs on a JVM signal thread and must return quickly.
     * @param name the signal name without "SIG", e.g. {@code TERM}, {@code INT}, {@code HUP}
     * @param action what to run on each delivery
     * @throws IllegalStateException if the JVM refuses to handle this signal (e.g. it is reserved)
     */
    public static void handle(String name, Runnable action)
    {
        try
        {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Constructor<?> constructor = signalClass.getConstructor(String.class);
            Object signal = constructor.newInstance(name);
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[]{handlerClass}, (proxy, method, args) ->
            {
                switch (method.getName())
                {
                    case "handle":
                        action.run();
                        return null;
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    case "toString":
                        return "nserv handler for SIG" + name;
                    default:
                        throw new UnsupportedOperationException(method.getName());
                }
            });
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            handle.invoke(null, signal, handler);
        }
        catch (InvocationTargetException x)
        {
            throw new IllegalStateException("cannot handle SIG" + name + ": " + x.getCause().getMessage(), x.getCause());
        }
        catch (ReflectiveOperationException x)
        {
            throw new IllegalStateException("cannot handle SIG" + name + ": sun.misc.Signal is not available (" + x + ")", x);
        }
    }
}
