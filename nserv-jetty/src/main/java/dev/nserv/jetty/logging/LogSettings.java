package dev.nserv.jetty.logging;

import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;

/**
 * The log format as jetty.xml sees it, by the id {@code Logs}: {@code <Ref refid="Logs"><Set name="format">json</Set></Ref>}.
 * The format must be chosen before the first logger exists, long before the XML files run, so the bundled launcher
 * reads that one setting from the files first ({@link XmlLogFormat}); when the file runs, the setter only confirms
 * that logging started in the format it names.
 */
@ManagedObject("The log format of the bundled server")
public class LogSettings
{
    private final LogFormat started;

    /**
     * @param started the format logging started with
     */
    public LogSettings(LogFormat started)
    {
        this.started = started;
    }

    /**
     * @return {@code text} or {@code json}
     */
    @ManagedAttribute(value = "text or json", readonly = true)
    public String getFormat()
    {
        return started.toString();
    }

    /**
     * @param format {@code text} or {@code json}; must be the format logging started with
     * @throws IllegalArgumentException for another value, naming both and the fix
     */
    public void setFormat(String format)
    {
        LogFormat wanted = LogFormat.parse(format);
        if (wanted != started)
            throw new IllegalArgumentException("log format '" + format + "' cannot take effect: logging started as " + started + " before the XML files ran; write the format as a literal value in <Ref refid=\"Logs\"><Set name=\"format\">, which nserv reads before it starts logging, or use --log-format");
    }
}
