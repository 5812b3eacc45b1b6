package dev.nserv.jetty.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpCompliance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpComplianceModesTest
{
    @Test
    void namesMapToJettysModesInAnyCase()
    {
        assertThat(HttpComplianceModes.parse("STRICT")).isSameAs(HttpCompliance.STRICT);
        assertThat(HttpComplianceModes.parse("rfc9110")).isSameAs(HttpCompliance.RFC9110);
        assertThat(HttpComplianceModes.parse(HttpComplianceModes.DEFAULT)).isSameAs(HttpCompliance.RFC9110);
        assertThat(HttpComplianceModes.parse("legacy")).isSameAs(HttpCompliance.LEGACY);
        for (String name : HttpComplianceModes.NAMES)
            assertThat(HttpComplianceModes.parse(name).getName()).isEqualTo(name);
    }

    @Test
    void anUnknownModeIsAUsageErrorNamingTheChoices()
    {
        assertThatThrownBy(() -> HttpComplianceModes.parse("RFC9999"))
            .hasMessage("--http-compliance must be one of STRICT, RFC9110, RFC7230, RFC2616, LEGACY, RFC7230_LEGACY, RFC2616_LEGACY, was 'RFC9999'");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(new String[]{"--http-compliance", "lax"}, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("nserv: error: --http-compliance must be one of STRICT");
    }
}
