/**
 * Zero-downtime restart and socket adoption for nserv.
 * <p>
 * A restart hands the serving of new clients to another program -- by default this process's own command line
 * again, so a replaced jar is picked up -- without interrupting the clients being served. Unlike the Go seed, which
 * stopped first and launched afterwards, nserv starts the successor first, passes it every listening socket over a
 * Unix domain socket ({@code SCM_RIGHTS}: the same kernel socket, never rebound), waits until it has deployed its
 * webapps and reports READY, and only then lets the old generation stop accepting and drain. A successor that exits,
 * fails or is not ready in time is ended and the old generation serves on (roll back).
 * <p>
 * <b>Invariant:</b> at any moment there are one or two generations, and at most one of them is not ready. A restart
 * is therefore refused while another one is in progress, while this generation is not ready or stopping, and while
 * the previous generation is still draining; the successor is not ready until the old generation has committed the
 * handoff, and from then on the old generation only drains. A standby ({@code --standby}: {@code Standby} and
 * {@code StandbyKeeper} here, the launcher's {@code StandbyGate} on its side) is a successor's JVM started ahead of
 * a restart; it holds no socket and serves nothing, so it is not a generation until a restart tells it to go, and
 * from then on it is that restart's successor like any other.
 * <p>
 * A successor puts the sockets it receives into {@link dev.nserv.jetty.sockets.InheritedListeners} before it
 * starts; its {@link dev.nserv.jetty.SocketActivationConnector}s adopt them there, as a first generation's adopt
 * systemd's ({@code LISTEN_FDS}) or fd 0's. {@link dev.nserv.jetty.handoff.RestartSupport} installs all of it on an
 * {@link dev.nserv.jetty.NservServer}; {@link dev.nserv.jetty.handoff.Restarter} is the trigger (JMX name
 * {@code dev.nserv.jetty.handoff:type=restarter,id=0}, also reached by {@code ctl restart} and SIGHUP).
 * {@code HandoffServer} (old generation) and {@code HandoffClient} (successor) are the two sides of the handshake.
 * Whatever else takes part in a change of generation -- the control socket, the pid file, systemd, later sessions
 * or WebSockets -- is a {@link dev.nserv.jetty.handoff.HandoverParticipant}, added with
 * {@link dev.nserv.jetty.handoff.RestartSupport#addParticipant}; this package knows nothing of {@code ctl}.
 * Linux, 64-bit.
 */
package dev.nserv.jetty.handoff;
