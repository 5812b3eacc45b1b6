package dev.nserv.jetty.logging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The log format read from jetty.xml files before they run, and what {@link LogSettings} says when they run. */
class XmlLogFormatTest
{
    private static final String DOCTYPE = "<?xml version=\"1.0\"?>\n"
        + "<!DOCTYPE Configure PUBLIC \"-//Jetty//Configure//EN\" \"https://jetty.org/configure_10_0.dtd\">\n";

    @TempDir
    Path tmp;

    private Path file(String name, String body) throws IOException
    {
        Path file = tmp.resolve(name);
        Files.writeString(file, DOCTYPE + "<Configure id=\"Server\" class=\"org.eclipse.jetty.server.Server\">\n" + body + "\n</Configure>\n");
        return file;
    }

    @Test
    void aLiteralFormatIsFoundWithoutFetchingTheDtd() throws IOException
    {
        Path json = file("json.xml", "<Ref refid=\"Logs\"><Set name=\"format\"> json </Set></Ref>");

        assertThat(XmlLogFormat.find(List.of(json))).contains(LogFormat.JSON);
    }

    @Test
    void theLastFileThatSetsTheFormatWinsAndFilesWithoutItChangeNothing() throws IOException
    {
        Path json = file("json.xml", "<Ref refid=\"Logs\"><Set name=\"format\">JSON</Set></Ref>");
        Path text = file("text.xml", "<Ref refid=\"Logs\"><Set name=\"format\">text</Set></Ref>");
        Path other = file("other.xml", "<Ref refid=\"NservServer\"><Set name=\"drainTimeout\">1000</Set></Ref>");

        assertThat(XmlLogFormat.find(List.of(json, text, other))).contains(LogFormat.TEXT);
        assertThat(XmlLogFormat.find(List.of(text, json, other))).contains(LogFormat.JSON);
        assertThat(XmlLogFormat.find(List.of(other))).isEmpty();
        assertThat(XmlLogFormat.find(List.of(tmp.resolve("missing.xml")))).as("reported later by the launcher").isEmpty();
    }

    @Test
    void aValueThatIsNotALiteralIsRefusedWithTheReason() throws IOException
    {
        Path property = file("property.xml", "<Ref refid=\"Logs\"><Set name=\"format\"><Property name=\"log.format\" default=\"json\"/></Set></Ref>");

        assertThatThrownBy(() -> XmlLogFormat.find(List.of(property)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("--config " + property + ": the log format <Set name=\"format\"> holds <Property>, but it is read before any XML runs, so it must be a literal: text or json");
    }

    @Test
    void anUnknownFormatNamesTheFileAndTheChoices() throws IOException
    {
        Path xml = file("xml.xml", "<Ref refid=\"Logs\"><Set name=\"format\">xml</Set></Ref>");

        assertThatThrownBy(() -> XmlLogFormat.find(List.of(xml)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("--config " + xml + ": unknown log format 'xml': give text (Jetty's line format, the default) or json (one JSON object per line)");
    }

    @Test
    void aFileThatIsNotXmlIsLeftToTheLaunchersReport() throws IOException
    {
        Path broken = tmp.resolve("broken.xml");
        Files.writeString(broken, "<Configure><Ref refid=\"Logs\">");

        assertThat(XmlLogFormat.find(List.of(broken))).isEmpty();
    }

    @Test
    void whenTheFileRunsTheSetterConfirmsTheFormatLoggingStartedWith()
    {
        LogSettings settings = new LogSettings(LogFormat.JSON);
        settings.setFormat("json");
        assertThat(settings.getFormat()).isEqualTo("json");

        assertThatThrownBy(() -> settings.setFormat("text"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("logging started as json")
            .hasMessageContaining("--log-format");
    }
}
