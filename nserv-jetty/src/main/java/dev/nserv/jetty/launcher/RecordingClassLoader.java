package dev.nserv.jetty.launcher;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The private jar's class loader, which remembers the names of the classes it defined, in order, so that a
 * generation can tell its standby successor what to load ahead ({@link StandbyGate}). It is a {@link Supplier} of
 * those names, so that code loaded by it can read them without naming this class (which lives in the application
 * class loader).
 */
final class RecordingClassLoader extends URLClassLoader implements Supplier<List<String>>
{
    static
    {
        registerAsParallelCapable();
    }

    private final List<String> names = new ArrayList<>();

    RecordingClassLoader(URL jar, ClassLoader parent)
    {
        super("nserv", new URL[] {jar}, parent);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException
    {
        Class<?> found = super.findClass(name);
        synchronized (names)
        {
            names.add(name);
        }
        return found;
    }

    /**
     * @return the names of the classes defined so far, in the order they were defined
     */
    @Override
    public List<String> get()
    {
        synchronized (names)
        {
            return new ArrayList<>(names);
        }
    }
}
