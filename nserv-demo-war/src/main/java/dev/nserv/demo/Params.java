package dev.nserv.demo;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Query parameter parsing that answers 400 with a message naming the parameter on bad input. */
final class Params
{
    private Params()
    {
    }

    /**
     * Reads a non-negative integer parameter.
     * @return the value, or -1 after a 400 response was sent
     */
    static long boundedLong(HttpServletRequest request, HttpServletResponse response, String name, long dflt, long max)
        throws IOException
    {
        String raw = request.getParameter(name);
        if (raw == null || raw.isEmpty())
            return dflt;
        long value;
        try
        {
            value = Long.parseLong(raw.trim());
        }
        catch (NumberFormatException e)
        {
            value = -1;
        }
        if (value < 0 || value > max)
        {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST,
                "parameter '" + name + "' must be an integer from 0 to " + max + ", was '" + raw + "'");
            return -1;
        }
        return value;
    }
}
