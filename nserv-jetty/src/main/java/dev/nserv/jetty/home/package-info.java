/**
 * nserv as a module of the official jetty-home distribution: {@link dev.nserv.jetty.home.NservModule} is the bean
 * that the module's {@code etc/nserv.xml} builds on jetty-home's {@code Server}, in place of the bundled launcher's
 * {@code Main}; {@link dev.nserv.jetty.home.ModuleProperties} turns the module's {@code nserv.*} properties into
 * values, with one clear error for a bad one. See docs/jetty-home.md.
 */
package dev.nserv.jetty.home;
