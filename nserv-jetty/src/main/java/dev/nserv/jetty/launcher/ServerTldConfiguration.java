package dev.nserv.jetty.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.eclipse.jetty.ee10.webapp.AbstractConfiguration;
import org.eclipse.jetty.ee10.webapp.MetaInfConfiguration;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.util.Loader;

/**
 * Makes the tag libraries of the server class path (JSTL: {@code c}, {@code fmt}, {@code fn}, ...) known to every
 * webapp's JSP engine, as jetty-home does with its container scan pattern, without scanning the server jar.
 * <p>
 * jetty-home selects the JSTL jar with {@code containerScanJarPattern}; every jar so selected is also parsed for
 * annotations. In nserv.jar all server classes are one jar, so that pattern would parse thousands of classes on
 * each deploy. This configuration instead reads the {@code META-INF/*.tld} entries of the jar (or directory) that
 * holds the JSTL classes once, and adds their URLs to the TLDs that {@link MetaInfConfiguration} found, which
 * Jetty's Jasper initializer reads at context start.
 * <pre>{@code
 * Configurations.setServerDefault(server).add(new ServerTldConfiguration());
 * }</pre>
 */
public class ServerTldConfiguration extends AbstractConfiguration
{
    /** A class of the JSTL implementation: its code source holds the JSTL TLDs. */
    static final String JSTL_CLASS = "org.apache.taglibs.standard.tag.rt.core.OutTag";

    private volatile List<URL> tlds;

    public ServerTldConfiguration()
    {
        super(new Builder().addDependencies(MetaInfConfiguration.class));
    }

    @Override
    public boolean isAvailable()
    {
        return codeSource() != null;
    }

    @Override
    public void preConfigure(WebAppContext context) throws Exception
    {
        // A new set rather than an unchecked cast of the attribute: MetaInfConfiguration created it, Jasper reads it.
        Set<URL> merged = new HashSet<>();
        if (context.getAttribute(MetaInfConfiguration.METAINF_TLDS) instanceof Collection<?> found)
        {
            for (Object url : found)
            {
                if (url instanceof URL u)
                    merged.add(u);
            }
        }
        merged.addAll(tlds());
        context.setAttribute(MetaInfConfiguration.METAINF_TLDS, merged);
    }

    /**
     * @return the URLs of the TLDs beside the JSTL classes, read once per server (every webapp shares them)
     * @throws IOException when the jar cannot be read
     */
    List<URL> tlds() throws IOException
    {
        List<URL> found = tlds;
        if (found == null)
        {
            synchronized (this)
            {
                found = tlds;
                if (found == null)
                    tlds = found = List.copyOf(readTlds(codeSource()));
            }
        }
        return found;
    }

    private static Path codeSource()
    {
        try
        {
            CodeSource source = Loader.loadClass(JSTL_CLASS).getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI());
        }
        catch (ClassNotFoundException | URISyntaxException | RuntimeException x)
        {
            return null;
        }
    }

    static Set<URL> readTlds(Path location) throws IOException
    {
        Set<URL> urls = new HashSet<>();
        if (location == null)
            return urls;
        if (Files.isDirectory(location))
        {
            Path metaInf = location.resolve("META-INF");
            if (!Files.isDirectory(metaInf))
                return urls;
            try (Stream<Path> files = Files.walk(metaInf))
            {
                for (Path file : files.filter(p -> p.getFileName().toString().endsWith(".tld")).toList())
                    urls.add(file.toUri().toURL());
            }
            return urls;
        }
        String jarUri = location.toUri().toString();
        try (JarFile jar = new JarFile(location.toFile()))
        {
            List<String> names = jar.stream()
                .filter(e -> !e.isDirectory() && e.getName().startsWith("META-INF/") && e.getName().endsWith(".tld"))
                .map(JarEntry::getName)
                .toList();
            for (String name : names)
                urls.add(URI.create("jar:" + jarUri + "!/" + name).toURL());
        }
        return urls;
    }
}
