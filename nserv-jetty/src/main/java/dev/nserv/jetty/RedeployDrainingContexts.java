package dev.nserv.jetty;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ContextHandlerCollection} whose hot redeployment lets the old context finish its requests before it
 * stops. Jetty's {@code ContextHandlerCollection.redeployHandler} (used by the {@code DeploymentScanner}'s
 * {@code StandardDeployer} when a WAR changes) swaps the new context in and stops the old one at once, under the
 * requests still running in it: measured with the demo WAR, the old context's session manager shut down under a
 * request in flight, its stop failed ({@code IllegalStateException: ... not resident}), and its servlets and
 * listeners were never destroyed.
 *
 * <p>Here the swap returns only once every request that entered this collection before the swap has ended (so every
 * request the old context may still receive), at most the redeploy drain timeout; Jetty stops the old context right
 * after. Requests keep being served throughout, new ones by the new context: none is refused, none waits. The count
 * is the same as {@link DrainHandler}'s, split into epochs so that the requests arriving after the swap do not extend
 * the wait.</p>
 *
 * <p>The same holds when a WAR is deleted: {@link DrainingDeployer} takes the context out with
 * {@link #removeAfterRequests(Handler)} (new requests get 404 from then on, as for any path without a webapp) and
 * stops it once its requests have ended, where Jetty's {@code StandardDeployer} stops it first.</p>
 *
 * <pre>{@code
 * RedeployDrainingContexts contexts = new RedeployDrainingContexts();
 * contexts.setRedeployDrainTimeout(30_000);
 * new DeploymentScanner(server, new StandardDeployer(contexts));
 * }</pre>
 */
@ManagedObject("Contexts whose hot redeployment stops the old context only after its requests have ended")
public class RedeployDrainingContexts extends ContextHandlerCollection
{
    private static final Logger LOG = LoggerFactory.getLogger(RedeployDrainingContexts.class);

    private final AtomicReference<Epoch> epoch = new AtomicReference<>(new Epoch());
    private volatile long redeployDrainTimeout = 30_000;

    /**
     * @return how long a redeployment waits for the requests in flight before the old context stops, in ms
     */
    @ManagedAttribute("How long a redeployment waits for the requests in flight before the old context stops, in ms")
    public long getRedeployDrainTimeout()
    {
        return redeployDrainTimeout;
    }

    /**
     * Sets how long a redeployment waits, at most, for the requests in flight before the old context is stopped
     * anyway; nserv uses its drain timeout.
     * @param millis the wait in milliseconds, 0 to stop the old context at once (Jetty's behaviour)
     */
    public void setRedeployDrainTimeout(long millis)
    {
        if (millis < 0)
            throw new IllegalArgumentException("the redeploy drain timeout must be 0 or more milliseconds, was " + millis + "; use 0 to stop the old context at once");
        redeployDrainTimeout = millis;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        return new Completion(callback, enter()).handOn(completion -> super.handle(request, response, completion));
    }

    /**
     * Replaces a handler and, when the collection is running, waits until the requests that may still reach the old
     * one have ended before the old one is stopped.
     */
    @Override
    public boolean replaceHandler(Handler oldHandler, Handler newHandler)
    {
        boolean drain = isRunning() && oldHandler != null && oldHandler.isStarted() && getHandlers().contains(oldHandler);
        // Removing a managed bean stops it (ContainerLifeCycle), inside the swap and under its requests: unmanage it
        // first, and stop it here once drained (redeployHandler's own stop then finds it stopped).
        boolean managed = drain && isManaged(oldHandler);
        if (managed)
            unmanage(oldHandler);
        if (!super.replaceHandler(oldHandler, newHandler))
        {
            if (managed)
                manage(oldHandler);
            return false;
        }
        if (drain)
        {
            awaitRequestsBeforeNow(oldHandler, "redeploy");
            if (managed)
                stopOld(oldHandler);
        }
        return true;
    }

    /**
     * Removes a handler so that no new request reaches it, and returns once every request that may still be in it has
     * ended, at most the redeploy drain timeout. Unlike {@link #removeHandler(Handler)}, the handler is not stopped:
     * the caller stops it afterwards (see {@link DrainingDeployer}, which does so when a WAR is deleted).
     * @return whether the handler was in this collection
     */
    public boolean removeAfterRequests(Handler handler)
    {
        if (handler == null || !getHandlers().contains(handler))
            return false;
        boolean drain = isRunning() && handler.isStarted();
        // as in replaceHandler: removing a managed bean would stop it at once, under its requests
        boolean managed = isManaged(handler);
        if (managed)
            unmanage(handler);
        removeHandler(handler);
        if (drain)
            awaitRequestsBeforeNow(handler, "undeploy");
        return true;
    }

    private static void stopOld(Handler oldHandler)
    {
        try
        {
            oldHandler.stop();
        }
        catch (RuntimeException x)
        {
            throw x;
        }
        catch (Exception x)
        {
            throw new IllegalStateException("cannot stop " + oldHandler + " after its redeployment", x);
        }
    }

    private void awaitRequestsBeforeNow(Handler oldHandler, String what)
    {
        long start = System.nanoTime();
        Epoch before = epoch.getAndSet(new Epoch());
        long pending = before.inFlight.get();
        try
        {
            if (before.closeAndAwait(redeployDrainTimeout))
            {
                if (pending > 0)
                    LOG.info("{}: {} request(s) in flight ended after {} ms; stopping {}", what, pending, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), oldHandler);
            }
            else
            {
                LOG.warn("{}: {} request(s) still in flight after the redeploy drain timeout of {} ms; stopping {} anyway", what, before.inFlight.get(), redeployDrainTimeout, oldHandler);
            }
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            LOG.warn("{}: interrupted while waiting for {} request(s) in flight; stopping {}", what, before.inFlight.get(), oldHandler);
        }
    }

    private Epoch enter()
    {
        while (true)
        {
            Epoch current = epoch.get();
            if (current.tryEnter())
                return current;
        }
    }

    /** The requests that entered between two swaps. */
    private static final class Epoch
    {
        final AtomicLong inFlight = new AtomicLong();
        final CountDownLatch idle = new CountDownLatch(1);
        volatile boolean closed;

        boolean tryEnter()
        {
            inFlight.incrementAndGet();
            // a swap closed this epoch meanwhile: the request belongs to the next one, whose wait it must not escape
            if (closed)
            {
                leave();
                return false;
            }
            return true;
        }

        void leave()
        {
            // both sides write before they read (volatile, atomic): at least one of them sees the other's write
            if (inFlight.decrementAndGet() == 0 && closed)
                idle.countDown();
        }

        boolean closeAndAwait(long millis) throws InterruptedException
        {
            closed = true;
            if (inFlight.get() == 0)
                idle.countDown();
            return idle.await(millis, TimeUnit.MILLISECONDS);
        }
    }

    /** Leaves the request's epoch exactly once, however the request ends. */
    private static final class Completion extends RequestEnd
    {
        private final Epoch epoch;

        Completion(Callback callback, Epoch epoch)
        {
            super(callback);
            this.epoch = epoch;
        }

        @Override
        protected void onEnd()
        {
            epoch.leave();
        }
    }
}
