package dev.nserv.jetty.logging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads the log format from jetty.xml files before they run: {@code <Ref refid="Logs"><Set name="format">json</Set></Ref>}.
 * Logging must start before any Jetty class is loaded (they create their loggers as they load), and
 * XmlConfiguration is a Jetty class that logs; so this reads the files with the JDK's own XML parser, without
 * running anything, and leaves the rest of each file to XmlConfiguration later (where {@link LogSettings} checks the
 * same setting again). The value must be a literal: a {@code <Property>} or any other element inside the
 * {@code <Set>} cannot be evaluated this early and is an error.
 *
 * <pre>{@code
 * LogFormat format = XmlLogFormat.find(configFiles).orElse(LogFormat.TEXT);
 * }</pre>
 */
public final class XmlLogFormat
{
    /** The id of {@link LogSettings} in jetty.xml files. */
    public static final String ID = "Logs";

    private XmlLogFormat()
    {
    }

    /**
     * @param files the {@code --config} files in the order they are applied; missing ones are skipped (the launcher
     *              reports them later)
     * @return the format the last file that sets one names, or empty
     * @throws IllegalArgumentException naming the file and the problem: a value that is not a literal, an unknown
     *                                  format (a file that is not well-formed XML is left to the launcher's report)
     */
    public static Optional<LogFormat> find(List<Path> files)
    {
        Optional<LogFormat> found = Optional.empty();
        for (Path file : files)
        {
            if (!Files.isRegularFile(file) || !Files.isReadable(file))
                continue;
            Optional<LogFormat> inFile = read(file);
            if (inFile.isPresent())
                found = inFile;
        }
        return found;
    }

    private static Optional<LogFormat> read(Path file)
    {
        Document document;
        try
        {
            document = parser().parse(file.toFile());
        }
        catch (SAXException | IOException x)
        {
            // the launcher reports a broken or unreadable file when it applies the files, in its usual words
            return Optional.empty();
        }
        Optional<LogFormat> found = Optional.empty();
        NodeList refs = document.getElementsByTagName("Ref");
        for (int i = 0; i < refs.getLength(); i++)
        {
            Element ref = (Element)refs.item(i);
            if (!ID.equals(ref.getAttribute("refid")) && !ID.equals(ref.getAttribute("id")))
                continue;
            for (Node child = ref.getFirstChild(); child != null; child = child.getNextSibling())
            {
                if (child instanceof Element set && set.getTagName().equals("Set") && set.getAttribute("name").equals("format"))
                    found = Optional.of(literal(file, set));
            }
        }
        return found;
    }

    private static LogFormat literal(Path file, Element set)
    {
        for (Node child = set.getFirstChild(); child != null; child = child.getNextSibling())
        {
            if (child instanceof Element element)
                throw new IllegalArgumentException("--config " + file + ": the log format <Set name=\"format\"> holds <" + element.getTagName() + ">, but it is read before any XML runs, so it must be a literal: text or json");
        }
        try
        {
            return LogFormat.parse(set.getTextContent());
        }
        catch (IllegalArgumentException x)
        {
            throw new IllegalArgumentException("--config " + file + ": " + x.getMessage());
        }
    }

    private static DocumentBuilder parser()
    {
        try
        {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            // jetty.xml files name Jetty's DTD: never fetch it (nor anything external), only check well-formedness
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            factory.setExpandEntityReferences(false);
            factory.setValidating(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            // DefaultHandler throws on fatal errors and prints nothing: the caller reports the file in one line
            builder.setErrorHandler(new DefaultHandler());
            return builder;
        }
        catch (ParserConfigurationException x)
        {
            throw new IllegalStateException("the JDK's XML parser cannot be configured: " + x.getMessage(), x);
        }
    }
}
