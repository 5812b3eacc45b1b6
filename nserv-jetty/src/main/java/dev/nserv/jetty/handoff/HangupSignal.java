package dev.nserv.jetty.handoff;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Makes SIGHUP trigger an action instead of the JVM's default (exit). Uses {@code sun.misc.Signal} (module
 * jdk.unsupported, no JVM flag needed) by reflection, because javac warns on every direct use of that class.
 */
final class HangupSignal
{
    private HangupSignal()
    {
    }

    /**
     * @param action what to run on each SIGHUP; it runs on a JVM signal thread and must return quickly
     * @throws IllegalStateException when the JVM does not let the application handle SIGHUP (e.g. -Xrs, or the
     * signal is ignored because the process was started with nohup)
     */
    static void install(Runnable action)
    {
        try
        {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance("HUP");
            Object handler = Proxy.newProxyInstance(HangupSignal.class.getClassLoader(), new Class<?>[]{handlerClass}, (proxy, method, args) ->
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
                        return "nserv restart on SIGHUP";
                    default:
                        throw new UnsupportedOperationException(method.getName());
                }
            });
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            handle.invoke(null, signal, handler);
        }
        catch (InvocationTargetException x)
        {
            throw new IllegalStateException("cannot handle SIGHUP: " + x.getCause().getMessage(), x.getCause());
        }
        catch (ReflectiveOperationException x)
        {
            throw new IllegalStateException("cannot handle SIGHUP: sun.misc.Signal is not available (" + x + ")", x);
        }
    }
}
