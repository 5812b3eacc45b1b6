package dev.nserv.jetty.handoff;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RestarterTest
{
    @Test
    void passwordsAreMaskedInTheShownCommandLine()
    {
        assertThat(Restarter.display(List.of("java", "-jar", "nserv.jar", "--keystore-password", "s3cret", "--port", "8080", "--keystore-password=s3cret")))
            .isEqualTo("java -jar nserv.jar --keystore-password *** --port 8080 --keystore-password=***")
            .doesNotContain("s3cret");
    }
}
