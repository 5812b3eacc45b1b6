/**
 * Logs of the bundled server: the log format ({@link dev.nserv.jetty.logging.LogFormat}, text or JSON lines
 * through {@link dev.nserv.jetty.logging.JsonLogs}), standard streams that write every event as one whole-line
 * {@code write(2)} ({@link dev.nserv.jetty.logging.StandardStreams}) so that the two generations of a restart never
 * interleave partial lines, and the access log writer for Jetty's {@code CustomRequestLog}
 * ({@link dev.nserv.jetty.logging.AppendingRequestLogWriter}).
 */
package dev.nserv.jetty.logging;
