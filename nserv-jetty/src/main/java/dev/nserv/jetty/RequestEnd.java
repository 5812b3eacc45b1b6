package dev.nserv.jetty;

import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.util.Callback;

/**
 * A request's callback that runs {@link #onEnd()} exactly once when the request ends, whichever way it ends: the
 * callback succeeds or fails, or the handler throws or declines the request (its caller then calls {@link #end()}).
 * Request counters that a drain waits on ({@link DrainHandler}, {@link RedeployDrainingContexts}) must never count a
 * request twice, nor miss one.
 */
abstract class RequestEnd extends Callback.Nested
{
    private final AtomicBoolean ended = new AtomicBoolean();

    RequestEnd(Callback callback)
    {
        super(callback);
    }

    /** The next handler's {@code handle}, given this callback. */
    @FunctionalInterface
    interface Next
    {
        boolean handle(Callback callback) throws Exception;
    }

    /**
     * Hands the request on with this callback, and ends it here when the next handler throws (Jetty then writes the
     * error response with the original callback) or declines it.
     * @return whether the next handler took the request
     */
    final boolean handOn(Next next) throws Exception
    {
        boolean accepted;
        try
        {
            accepted = next.handle(this);
        }
        catch (Throwable x)
        {
            end();
            throw x;
        }
        if (!accepted)
            end();
        return accepted;
    }

    /** Runs once, when the request has ended. */
    protected abstract void onEnd();

    /** The request has ended; a second call does nothing. */
    final void end()
    {
        if (ended.compareAndSet(false, true))
            onEnd();
    }

    @Override
    public void succeeded()
    {
        try
        {
            super.succeeded();
        }
        finally
        {
            end();
        }
    }

    @Override
    public void failed(Throwable x)
    {
        try
        {
            super.failed(x);
        }
        finally
        {
            end();
        }
    }
}
