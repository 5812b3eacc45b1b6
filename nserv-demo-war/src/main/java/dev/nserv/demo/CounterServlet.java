package dev.nserv.demo;

import java.io.IOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * {@code GET /counter}: counts the requests of one HTTP session and answers {@code count=N session=ID pid=NNN
 * generation=G}, so a client sees whether its session survived a restart.
 */
public class CounterServlet extends HttpServlet
{
    private static final long serialVersionUID = 1L;
    static final String COUNT_ATTRIBUTE = "dev.nserv.demo.count";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        HttpSession session = request.getSession(true);
        int count;
        // Concurrent requests of one session see the same session object in this JVM: the increment must not race.
        synchronized (session)
        {
            count = session.getAttribute(COUNT_ATTRIBUTE) instanceof Integer previous ? previous + 1 : 1;
            // set again on every change, so a session store that saves on setAttribute sees the new value
            session.setAttribute(COUNT_ATTRIBUTE, count);
        }
        response.setContentType("text/plain;charset=utf-8");
        response.getWriter().println("count=" + count + " session=" + session.getId() + " " + ServerInfo.describe(getServletContext()));
    }
}
