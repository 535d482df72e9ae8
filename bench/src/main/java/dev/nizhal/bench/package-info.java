/** Nizhal's benchmarks: JMH benchmarks and load drivers, run against the embedded server and PostgreSQL. */
package dev.nizhal.bench;
