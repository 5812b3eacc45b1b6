# nserv's Prometheus metrics for jetty-home: see docs/jetty-home.md and docs/metrics.md of the nserv project.

[description]
nserv's admin port: /metrics in the Prometheus text format (Micrometer's Prometheus registry: nserv's series,
Jetty's connector and thread-pool metrics, the JVM's, and the limiters of nserv's servlet filter in the webapps)
and the readiness and liveness probes, on a listener of its own (127.0.0.1 by default, never the public port)
that a zero-downtime restart hands over like the HTTP one.

[tags]
nserv
metrics

[depend]
nserv

[lib]
lib/nserv-metrics/*.jar

[xml]
etc/nserv-metrics.xml

[ini-template]
# tag::documentation[]
### nserv-metrics: /metrics and the probes on an admin port

## Address of the admin listener; empty for every interface. Keep it private: /metrics tells a lot.
# nserv.adminHost=127.0.0.1

## Port of the admin listener (0 to 65535, 0 for any free port); never a port of another connector.
# nserv.adminPort=9090
# end::documentation[]
