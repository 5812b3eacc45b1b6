/**
 * Warm-up of a freshly started generation: safe requests sent in-process, through a Jetty {@code LocalConnector},
 * before the generation reports ready, so that its first clients do not meet a cold JVM.
 */
package dev.nserv.jetty.warmup;
