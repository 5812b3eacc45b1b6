package dev.nserv.jetty.launcher;

import org.eclipse.jetty.ee10.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee10.plus.webapp.EnvConfiguration;
import org.eclipse.jetty.ee10.plus.webapp.PlusConfiguration;
import org.eclipse.jetty.ee10.webapp.Configuration;
import org.eclipse.jetty.ee10.webapp.Configurations;
import org.eclipse.jetty.ee10.webapp.JndiConfiguration;
import org.eclipse.jetty.ee10.webapp.JspConfiguration;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketConfiguration;
import org.eclipse.jetty.ee10.websocket.server.config.JettyWebSocketConfiguration;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The webapp configurations of the bundled server: those of jetty-home's ee10 modules, plus the server TLDs. */
class WebappFeaturesTest
{
    @Test
    void everyWebappGetsTheEe10Features() throws Exception
    {
        Server server = new Server();
        ServerAssembler.enableWebappFeatures(server);
        Configurations configurations = Configurations.getServerDefault(server);
        assertThat(configurations.getConfigurations()).extracting(c -> c.getClass().getName())
            .contains(name(AnnotationConfiguration.class), name(PlusConfiguration.class), name(EnvConfiguration.class),
                name(JndiConfiguration.class), name(JspConfiguration.class), name(JakartaWebSocketConfiguration.class),
                name(JettyWebSocketConfiguration.class), name(ServerTldConfiguration.class));
    }

    private static String name(Class<? extends Configuration> type)
    {
        return type.getName();
    }

    @Test
    void findsTheJstlTagLibraries() throws Exception
    {
        assertThat(new ServerTldConfiguration().tlds()).extracting(url -> url.toString().replaceAll(".*/", ""))
            .contains("c.tld", "fmt.tld", "fn.tld");
    }
}
