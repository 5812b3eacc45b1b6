/**
 * Prometheus metrics on an admin port of its own: {@link dev.nserv.jetty.metrics.MetricsEndpoint} adds the
 * {@link dev.nserv.jetty.metrics.AdminConnector} (handed over in a restart like every listener) and serves
 * {@code /metrics} and the probes on it only. Depends on the core package, {@code handoff} (restart history) and
 * {@code sockets} (listener names); nothing depends on it but the launcher.
 */
package dev.nserv.jetty.metrics;
