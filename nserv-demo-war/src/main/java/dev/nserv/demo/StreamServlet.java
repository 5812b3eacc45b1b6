package dev.nserv.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /stream?seconds=N}: streams one line a second for N seconds (1 to 3600), flushing each line,
 * so a long-lived response can be watched across a drain or a restart.
 */
public class StreamServlet extends HttpServlet
{
    private static final long serialVersionUID = 1L;
    static final long MAX_SECONDS = TimeUnit.HOURS.toSeconds(1);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        long seconds = Params.boundedLong(request, response, "seconds", 5, MAX_SECONDS);
        if (seconds < 0)
            return;
        response.setContentType("text/plain;charset=utf-8");
        PrintWriter out = response.getWriter();
        String who = ServerInfo.describe(getServletContext());
        for (long i = 1; i <= seconds; i++)
        {
            out.println("line " + i + "/" + seconds + " " + who);
            out.flush();
            if (out.checkError())
                return; // client went away
            if (i < seconds)
            {
                try
                {
                    Thread.sleep(1000);
                }
                catch (InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
