package dev.nserv.jetty.handoff;

/**
 * A restart that did not happen: the successor could not start, exited, failed, or was not ready in time, and the
 * current generation keeps serving. The message names the cause and ends with the successor's last output lines.
 */
public class RestartFailedException extends Exception
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message the cause, for the operator
     */
    public RestartFailedException(String message)
    {
        super(message);
    }
}
