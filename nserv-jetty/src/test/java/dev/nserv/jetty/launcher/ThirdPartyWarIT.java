package dev.nserv.jetty.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real third-party Jakarta EE 10 WAR (hawtio 4.2.0, copied from Maven into target/ by the build) deploys unchanged
 * on the real nserv.jar from {@code --webapps} and serves its login page.
 */
class ThirdPartyWarIT
{
    @TempDir
    Path webapps;

    @Test
    void hawtioServesItsLoginPage() throws Exception
    {
        Path war = Path.of(System.getProperty("nserv.it.hawtioWar", "target/it-wars/hawtio.war"));
        assertThat(war).as("copied by maven-dependency-plugin (mvn verify)").isRegularFile();
        Files.copy(war, webapps.resolve("hawtio.war"));

        HttpClient http = new HttpClient();
        http.start();
        try (ChildNserv nserv = new ChildNserv("--webapps", webapps.toString()))
        {
            String login = "http://127.0.0.1:" + nserv.port() + "/hawtio/login";
            ContentResponse[] last = new ContentResponse[1];
            // the scanner deploys after the server listens: 404 until the context has started
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
            {
                last[0] = http.newRequest(login).timeout(10, TimeUnit.SECONDS).send();
                return last[0].getStatus() != 404;
            });
            assertThat(last[0].getStatus()).as(nserv.outputText()).isEqualTo(200);
            // hawtio's own filter rewrote the base href to the context path
            assertThat(last[0].getContentAsString()).contains("Hawtio Management Console").contains("<base href=\"/hawtio/\">");
        }
        finally
        {
            http.stop();
        }
    }
}
