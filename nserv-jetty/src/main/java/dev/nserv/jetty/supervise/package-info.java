/**
 * {@code --supervise}: a small process that holds the listening sockets, the pid file and systemd's main pid,
 * starts the serving generation, and starts a new one on the same sockets at once when a generation dies
 * unexpectedly (kill -9, out of memory, a crash). Clients wait in the kernel's backlog meanwhile, because the
 * supervisor keeps its own copy of every listening socket open; none is refused.
 * <p>
 * The supervisor is the old side of an ordinary handoff ({@link dev.nserv.jetty.handoff.ExternalHandoff}) for the
 * generation it starts, and takes no part in serving: restarts still go from generation to generation. Each
 * generation tells it which process serves through a {@link dev.nserv.jetty.supervise.SupervisorLink} (a
 * {@link dev.nserv.jetty.handoff.HandoverParticipant}); it makes itself a child subreaper, so a successor whose
 * predecessor exited becomes its child and is watched and reaped by it. It loads no Jetty server class.
 * This package uses {@code handoff} and {@code sockets}; only the launcher uses it. Linux, 64-bit.
 */
package dev.nserv.jetty.supervise;
