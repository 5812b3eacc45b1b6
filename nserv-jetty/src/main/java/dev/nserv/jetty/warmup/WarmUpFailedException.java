package dev.nserv.jetty.warmup;

/**
 * A warm-up request failed while {@link WarmUp#setFailRollback(boolean) fail-rollback} is on: the generation must not
 * report ready, so a restart rolls back.
 */
public class WarmUpFailedException extends Exception
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, e.g. {@code warm-up failed: GET /api/status answered 500}
     */
    public WarmUpFailedException(String message)
    {
        super(message);
    }
}
