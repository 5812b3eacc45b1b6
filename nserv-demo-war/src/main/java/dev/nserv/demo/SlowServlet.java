package dev.nserv.demo;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /slow?ms=N}: waits N milliseconds (0 to 600000), then answers like {@code /}. Used to hold
 * requests in flight across a drain or a restart.
 */
public class SlowServlet extends HttpServlet
{
    private static final long serialVersionUID = 1L;
    static final long MAX_MS = TimeUnit.MINUTES.toMillis(10);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        long ms = Params.boundedLong(request, response, "ms", 1000, MAX_MS);
        if (ms < 0)
            return;
        try
        {
            Thread.sleep(ms);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "interrupted");
            return;
        }
        response.setContentType("text/plain;charset=utf-8");
        response.getWriter().println(ServerInfo.describe(getServletContext()) + " slept=" + ms);
    }
}
