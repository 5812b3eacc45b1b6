/**
 * {@code java -jar nserv.jar ctl status|restart|stop|limit N}: a control socket (a Unix domain socket in a private
 * directory, mode 0600, only for the same OS user) that the running server answers, and the client that talks to
 * it. The server side joins restarts as a handover participant ({@link dev.nserv.jetty.ctl.ControlSocketParticipant}):
 * the successor takes the socket path over atomically once it is committed, keeping the invariant stated in
 * {@link dev.nserv.jetty.handoff}. This package depends on {@code handoff}, never the other way.
 */
package dev.nserv.jetty.ctl;
