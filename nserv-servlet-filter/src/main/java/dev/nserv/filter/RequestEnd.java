package dev.nserv.filter;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * Runs the rest of the chain and calls back exactly once when the request has really ended: when the chain
 * returns or throws for a synchronous request, or, once the request went asynchronous, at the first of the
 * AsyncContext's complete, timeout or error (a client disconnect reaches an asynchronous request as an error
 * or a timeout). Releasing at {@code doFilter} return would free the slot of an asynchronous request that is
 * still running.
 *
 * <p>The listener is attached the moment the application calls {@code startAsync} (through a request wrapper,
 * only when the chain supports async), and re-attaches itself if async is started again. If the application
 * started async on a request object that bypassed the wrapper, the listener is attached after the chain
 * returns, while the container still holds completion back.</p>
 */
final class RequestEnd implements AsyncListener
{
    /** What to do when the request ends. */
    interface Callback
    {
        /** @param failed true if the chain threw, or the asynchronous request timed out or failed */
        void ended(boolean failed);
    }

    private final Callback callback;
    private final AtomicBoolean ended = new AtomicBoolean();
    // set on the dispatching thread (startAsync must be called on it), read there after the chain returns
    private volatile boolean async;

    private RequestEnd(Callback callback)
    {
        this.callback = callback;
    }

    /**
     * Runs {@code chain.doFilter} and arranges for {@code callback} to run once when the request ends. An
     * exception from the chain is rethrown unchanged.
     */
    static void run(HttpServletRequest request, ServletResponse response, FilterChain chain, Callback callback) throws IOException, ServletException
    {
        RequestEnd end = new RequestEnd(callback);
        ServletRequest passed = request.isAsyncSupported() ? new Watched(request, end) : request;
        boolean failed = true;
        try
        {
            chain.doFilter(passed, response);
            failed = false;
        }
        finally
        {
            // also after an exception: a started async cycle still ends through the container (onError, onComplete)
            if (!end.async && request.isAsyncStarted())
                end.watch(request.getAsyncContext());
            if (!end.async)
                end.end(failed);
        }
    }

    private void watch(AsyncContext context)
    {
        async = true;
        context.addListener(this);
    }

    private void end(boolean failed)
    {
        if (ended.compareAndSet(false, true))
            callback.ended(failed);
    }

    @Override
    public void onComplete(AsyncEvent event)
    {
        end(false);
    }

    @Override
    public void onTimeout(AsyncEvent event)
    {
        end(true);
    }

    @Override
    public void onError(AsyncEvent event)
    {
        end(true);
    }

    @Override
    public void onStartAsync(AsyncEvent event)
    {
        // startAsync again (in an async dispatch) drops listeners that do not re-register
        event.getAsyncContext().addListener(this);
    }

    /** Attaches the listener as soon as the application goes asynchronous through this request. */
    private static final class Watched extends HttpServletRequestWrapper
    {
        private final RequestEnd end;

        Watched(HttpServletRequest request, RequestEnd end)
        {
            super(request);
            this.end = end;
        }

        @Override
        public AsyncContext startAsync()
        {
            AsyncContext context = super.startAsync();
            if (!end.async)
                end.watch(context);
            return context;
        }

        @Override
        public AsyncContext startAsync(ServletRequest request, ServletResponse response)
        {
            AsyncContext context = super.startAsync(request, response);
            if (!end.async)
                end.watch(context);
            return context;
        }
    }
}
