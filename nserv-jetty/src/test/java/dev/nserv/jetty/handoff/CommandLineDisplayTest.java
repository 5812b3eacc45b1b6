package dev.nserv.jetty.handoff;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CommandLineDisplayTest
{
    @Test
    void passwordsAreMaskedInTheShownCommandLine()
    {
        assertThat(CommandLineDisplay.of(List.of("java", "-jar", "nserv.jar", "--keystore-password", "s3cret", "--port", "8080", "--keystore-password=s3cret")))
            .isEqualTo("java -jar nserv.jar --keystore-password *** --port 8080 --keystore-password=***")
            .doesNotContain("s3cret");
    }

    @Test
    void aMaskedValueThatLooksLikeAnOptionDoesNotMaskTheNextArgument()
    {
        assertThat(CommandLineDisplay.of(List.of("-Dtrust.PASSWORD", "--password-file", "--port", "8080")))
            .isEqualTo("-Dtrust.PASSWORD *** --port 8080");
    }

    @Test
    void aCommandWithoutSecretsIsShownAsIs()
    {
        assertThat(CommandLineDisplay.of(List.of("/usr/bin/java", "-Xmx1g", "-jar", "nserv.jar"))).isEqualTo("/usr/bin/java -Xmx1g -jar nserv.jar");
    }
}
