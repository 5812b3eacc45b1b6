/**
 * WebSockets across a stop or a restart: {@link dev.nserv.jetty.websocket.WebSocketCloser} closes every session of
 * the server, spread over a short window, with 1012 (Service Restart) when a restart commits
 * ({@link dev.nserv.jetty.websocket.WebSocketRestartParticipant}) and 1001 (Going Away) at a plain stop, so that
 * clients reconnect to the serving generation and the drain does not wait for them.
 */
package dev.nserv.jetty.websocket;
