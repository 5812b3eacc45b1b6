package dev.nserv.jetty.logging;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.layout.template.json.util.JsonReader;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonLogsTest
{
    static final Set<String> FIELDS = Set.of("time", "level", "logger", "message", "pid", "generation", "thread");

    @Test
    void everyEventIsOneValidJsonLineWithExactlyTheFields()
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LoggerContext context = JsonLogs.newContext(out, 4242, 7);
        List<String> messages = List.of(
            "plain",
            "quotes \" and 'single' and backslash \\ and {\"json\":1}",
            "new\nline and\r\nCRLF and tab\t and NUL \u0000 and bell \u0007",
            "unicode: żółć 日本語 emoji \uD83D\uDE00 and a lone surrogate \uD800",
            "{} placeholder-like and %s and ${sys:user.home}",
            "x".repeat(100_000));
        try
        {
            Logger logger = context.getLogger("dev.nserv.Test");
            for (String message : messages)
                logger.info(message);
            logger.error("failed \"badly\"", new IllegalStateException("boom\nsecond line", new RuntimeException("cause")));
        }
        finally
        {
            context.stop();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).endsWith("\n");
        List<String> lines = List.of(text.split("\n"));
        assertThat(lines).hasSize(messages.size() + 1);
        for (int i = 0; i < lines.size(); i++)
        {
            @SuppressWarnings("unchecked")
            Map<String, Object> event = (Map<String, Object>)JsonReader.read(lines.get(i));
            boolean error = i == messages.size();
            assertThat(event.keySet()).isEqualTo(error ? union(FIELDS, "error") : FIELDS);
            assertThat(event.get("logger")).isEqualTo("dev.nserv.Test");
            assertThat(event.get("level")).isEqualTo(error ? "ERROR" : "INFO");
            assertThat(((Number)event.get("pid")).longValue()).isEqualTo(4242);
            assertThat(((Number)event.get("generation")).intValue()).isEqualTo(7);
            assertThat(event.get("thread")).isEqualTo(Thread.currentThread().getName());
            String time = (String)event.get("time");
            assertThat(time).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)");
            assertThat(OffsetDateTime.parse(time)).isNotNull();
            String expected = messages.get(i < messages.size() ? i : 0);
            if (expected.length() > JsonLogs.MAX_STRING_LENGTH)
                assertThat((String)event.get("message")).as("cut, still valid").isEqualTo(expected.substring(0, JsonLogs.MAX_STRING_LENGTH) + "\u2026");
            else if (!error && !expected.contains("\uD800"))
                assertThat(event.get("message")).isEqualTo(expected);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> failure = (Map<String, Object>)JsonReader.read(lines.get(messages.size()));
        assertThat(failure.get("message")).isEqualTo("failed \"badly\"");
        assertThat((String)failure.get("error")).startsWith("java.lang.IllegalStateException: boom\nsecond line")
            .contains("Caused by: java.lang.RuntimeException: cause").contains("\tat dev.nserv.jetty.logging.JsonLogsTest");
    }

    @Test
    void templateCarriesPidAndGenerationAsNumbers()
    {
        String template = JsonLogs.eventTemplate(12, 3);
        assertThat(template).contains("\"pid\":12,").contains("\"generation\":3,");
        assertThat(JsonReader.read(template)).isInstanceOf(Map.class);
    }

    @Test
    void formatParsesAndRefusesUnknownValues()
    {
        assertThat(LogFormat.parse("json")).isEqualTo(LogFormat.JSON);
        assertThat(LogFormat.parse(" TEXT ")).isEqualTo(LogFormat.TEXT);
        assertThat(LogFormat.JSON).hasToString("json");
        assertThatThrownBy(() -> LogFormat.parse("xml")).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("unknown log format 'xml': give text (Jetty's line format, the default) or json (one JSON object per line)");
    }

    private static Set<String> union(Set<String> set, String extra)
    {
        java.util.HashSet<String> all = new java.util.HashSet<>(set);
        all.add(extra);
        return all;
    }
}
