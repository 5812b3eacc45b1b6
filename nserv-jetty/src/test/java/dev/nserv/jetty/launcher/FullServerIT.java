package dev.nserv.jetty.launcher;

import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
/**
 * The real nserv.jar in a child JVM serves what jetty-home's ee10 environment serves: the demo WAR's JSP page with
 * JSTL, its Jakarta {@code @ServerEndpoint} WebSocket, and its HTTP session counter.
 */
class FullServerIT
{
    private static final Pattern COUNTER = Pattern.compile("count=(\\d+) session=(\\S+) pid=(\\d+) generation=(\\d+)");

    private static ChildNserv nserv;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception
    {
        nserv = new ChildNserv();
        http = new HttpClient();
        http.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        try
        {
            if (http != null)
                http.stop();
        }
        finally
        {
            if (nserv != null)
                nserv.close();
        }
    }

    private static String url(String path)
    {
        return "http://127.0.0.1:" + nserv.port() + path;
    }

    private static String identity()
    {
        return "pid=" + nserv.pid() + " generation=1";
    }

    @Test
    void jspPageRendersJstl() throws Exception
    {
        ContentResponse response = http.newRequest(url("/hello.jsp?name=%3Cb%3Enserv%3C/b%3E")).timeout(30, TimeUnit.SECONDS).send();
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
        // c:out escaped the parameter: the JSTL tag ran, not just the page text
        assertThat(response.getContentAsString().lines().toList())
            .containsExactly("hello from JSP, &lt;b&gt;nserv&lt;/b&gt;", identity());
    }

    @Test
    void webSocketEchoesWithTheServingProcess() throws Exception
    {
        WebSocketClient client = new WebSocketClient(http);
        client.start();
        try
        {
            TextCollector listener = new TextCollector();
            Session session = client.connect(listener, URI.create("ws://127.0.0.1:" + nserv.port() + "/echo")).get(30, TimeUnit.SECONDS);
            for (String text : List.of("hello", "again"))
            {
                session.sendText(text, Callback.NOOP);
                assertThat(listener.next(30)).isEqualTo(text + " " + identity());
            }
            session.close();
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void sessionCounterCountsOneSessionWithItsCookie() throws Exception
    {
        String sessionId = null;
        for (int expected = 1; expected <= 3; expected++)
        {
            ContentResponse response = http.newRequest(url("/counter")).timeout(30, TimeUnit.SECONDS).send();
            assertThat(response.getStatus()).isEqualTo(200);
            Matcher matcher = COUNTER.matcher(response.getContentAsString().trim());
            assertThat(matcher.matches()).as(response.getContentAsString()).isTrue();
            assertThat(Integer.parseInt(matcher.group(1))).isEqualTo(expected);
            assertThat(matcher.group(3) + "/" + matcher.group(4)).isEqualTo(nserv.pid() + "/1");
            if (sessionId == null)
                sessionId = matcher.group(2);
            assertThat(matcher.group(2)).isEqualTo(sessionId);
        }
        // another client, without the cookie: a new session that starts at 1
        HttpClient other = new HttpClient();
        other.start();
        try
        {
            String body = other.GET(url("/counter")).getContentAsString().trim();
            assertThat(body).startsWith("count=1 session=").doesNotContain(sessionId);
        }
        finally
        {
            other.stop();
        }
    }
}
