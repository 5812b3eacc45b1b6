# nserv for jetty-home: see docs/jetty-home.md of the nserv project.

[description]
nserv: a throttled HTTP connector in place of the standard one (it provides "http"), a graceful drain with
readiness and liveness probes, adoption of listening sockets (systemd LISTEN_FDS or the previous generation),
zero-downtime restart by "ctl restart", SIGHUP or JMX, sd_notify and an optional pid file, a request header
deadline and HTTP sessions that survive restarts.
Run with: java -jar $JETTY_HOME/start.jar
(no [exec]: a forked JVM would break the inheritance of the listening sockets and the pid tracking).

[tags]
connector
http
nserv

[provides]
http

[depend]
server
jmx
sessions

[lib]
lib/http2/jetty-http2-common-${jetty.version}.jar
lib/http2/jetty-http2-hpack-${jetty.version}.jar
lib/nserv/*.jar

[xml]
etc/nserv-server.xml
etc/nserv-http.xml

[ini-template]
# tag::documentation[]
### nserv: throttled HTTP connector, drain, probes and zero-downtime restart
## No JVM option is needed; only adopting a socket from systemd (LISTEN_FDS) or fd 0 needs
## --add-opens java.base/sun.nio.ch=ALL-UNNAMED on the java command line (successors get it from nserv).

## The connector honours the properties of Jetty's "http" module:
# jetty.http.host=0.0.0.0
# jetty.http.port=8080
# jetty.http.idleTimeout=30000
# jetty.http.acceptors=1
# jetty.http.selectors=-1
# jetty.http.acceptQueueSize=0
# jetty.http.acceptorPriorityDelta=0
# jetty.http.reuseAddress=true
# jetty.http.reusePort=false
# jetty.http.acceptedTcpNoDelay=true
# jetty.http.acceptedReceiveBufferSize=-1
# jetty.http.acceptedSendBufferSize=-1

## Most connections open at once; more wait in the kernel's backlog (WAIT) or get a 503 (SHED).
# nserv.maxConnections=1000

## What happens at nserv.maxConnections: WAIT or SHED.
# nserv.overloadPolicy=WAIT

## Longest wait, in ms, for requests in flight during a graceful stop.
# nserv.drainTimeout=30000

## Time, in ms, between the readiness probe answering 503 and the listener closing.
# nserv.preDrainDelay=0

## Longest time, in ms, a whole stop may take before the process halts (exit code 3);
## -1: nserv.preDrainDelay + nserv.drainTimeout + 10000.
# nserv.stopDeadline=-1

## Paths of the readiness and liveness probes (empty switches a probe off).
# nserv.readinessPath=/readyz
# nserv.livenessPath=/livez

## Longest wait, in ms, for a successor to become ready before a restart rolls back.
# nserv.readyTimeout=60000

## Control socket of "ctl" and restarts; empty for
## ${XDG_RUNTIME_DIR or java.io.tmpdir}/nserv-<user>/nserv-<port>.sock
# nserv.controlSocket=

## File holding the pid of the generation that serves; empty for none.
# nserv.pidFile=

## Longest time, in ms, a client may take to send a request header (slowloris), and the same while the
## connector is at nserv.maxConnections; at least 100.
# nserv.requestHeaderTimeout=10000
# nserv.requestHeaderTimeoutAtLimit=1000

## Where HTTP sessions survive restarts: file (under nserv.stateDir), memory (lost on restart),
## or a jdbc: URL shared by several servers.
# nserv.sessionStore=file

## Directory for state kept across restarts (sessions/); created if missing.
# nserv.stateDir=${jetty.base}/nserv-state
# end::documentation[]
