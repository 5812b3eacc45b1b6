/**
 * {@code java -jar nserv.jar ctl status|restart|stop|limit N}: a control socket (a Unix domain socket in a private
 * directory, mode 0600, only for the same OS user) that the running server answers, and the client that talks to
 * it. A restart keeps the invariant of {@link dev.nserv.jetty.handoff}: one or two generations, at most one of them
 * not ready; the successor takes the socket path over atomically once it is committed.
 */
package dev.nserv.jetty.ctl;
