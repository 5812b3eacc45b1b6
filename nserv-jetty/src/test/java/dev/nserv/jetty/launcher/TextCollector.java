package dev.nserv.jetty.launcher;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;

/** Client side WebSocket endpoint that queues the text messages it receives (public: Jetty invokes it by lookup). */
public final class TextCollector implements Session.Listener.AutoDemanding
{
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    @Override
    public void onWebSocketText(String message)
    {
        received.add(message);
    }

    /**
     * @param seconds how long to wait
     * @return the next message, or null when none came in time
     * @throws InterruptedException when interrupted
     */
    String next(long seconds) throws InterruptedException
    {
        return received.poll(seconds, TimeUnit.SECONDS);
    }
}
