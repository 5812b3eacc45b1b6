package dev.nserv.jetty.session;

import java.io.IOException;
import java.io.Serializable;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * Counts the requests of a session: every GET adds one to the session's {@link Count} and answers
 * {@code <count> <session id>}. The count is an object of a test class so that a test can make it undeserializable.
 */
public class CounterServlet extends HttpServlet
{
    private static final long serialVersionUID = 1L;

    /** The session attribute: a serializable counter. */
    public static final class Count implements Serializable
    {
        private static final long serialVersionUID = 1L;

        final int value;

        Count(int value)
        {
            this.value = value;
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        HttpSession session = request.getSession(true);
        Count count = (Count)session.getAttribute("count");
        int next = count == null ? 1 : count.value + 1;
        session.setAttribute("count", new Count(next));
        response.setContentType("text/plain");
        response.getWriter().print(next + " " + session.getId());
    }
}
