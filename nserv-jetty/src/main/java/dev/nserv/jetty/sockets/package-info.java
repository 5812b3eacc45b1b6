/**
 * Listening sockets a process inherits and the file descriptors behind them: {@link
 * dev.nserv.jetty.sockets.ListenerNames} names a server's listeners (one rule for adoption, handoff, systemd and
 * JMX); {@link dev.nserv.jetty.sockets.InheritedListeners} is the process's one source of inherited sockets by
 * name -- from the previous generation's handoff, systemd socket activation or fd 0 -- that
 * {@link dev.nserv.jetty.SocketActivationConnector} takes its listener from; {@link dev.nserv.jetty.sockets.SocketFds}
 * and {@link dev.nserv.jetty.sockets.LibC} check and wrap raw fds. This package uses nothing else of nserv.
 * Linux, 64-bit.
 */
package dev.nserv.jetty.sockets;
