package dev.nserv.jetty.handoff;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What a {@link Standby} needs to know of this process's code: the classes the server's class loader defined (the
 * launcher's private class loader remembers them; other class loaders give none), and the files whose change makes
 * a standby run old code (the jar this process was started from, the JDK's module image).
 */
final class LoadedClasses
{
    /** System property that {@code Boot} sets to the original jar's path. */
    private static final String JAR_PROPERTY = "nserv.jar";

    private LoadedClasses()
    {
    }

    /**
     * @return the names of the classes the server's class loader defined, in order; empty when it does not record them
     */
    static List<String> ofServer()
    {
        List<String> names = new ArrayList<>();
        if (LoadedClasses.class.getClassLoader() instanceof Supplier<?> recorder && recorder.get() instanceof List<?> list)
        {
            for (Object name : list)
                names.add(String.valueOf(name));
        }
        return names;
    }

    /**
     * @return the files a standby's code comes from: the original jar (when started from one) and the JDK's modules
     */
    static List<Path> codeFiles()
    {
        List<Path> files = new ArrayList<>();
        String jar = System.getProperty(JAR_PROPERTY);
        if (jar != null)
            files.add(Path.of(jar));
        Path modules = Path.of(System.getProperty("java.home"), "lib", "modules");
        if (Files.isRegularFile(modules))
            files.add(modules);
        return files;
    }
}
