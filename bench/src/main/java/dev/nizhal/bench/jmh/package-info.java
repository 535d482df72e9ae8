/**
 * JMH benchmarks of the engine's in-process hot paths (bench/README.md, "In-process measures"). Each class measures a
 * path of the pull or the push as the server runs it and, in the same run, a baseline doing the least work that gives
 * the same result with plain Jackson or the JDK; methods whose names start with {@code baseline} are the baselines,
 * and {@link dev.nizhal.bench.jmh.JmhReport} gives every other method's time as a ratio to them.
 */
package dev.nizhal.bench.jmh;
