package dev.nizhal.faults;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Named counters, safe to bump from any thread: the figures and coverage counters of a fault run. */
final class Tally {
    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();

    void inc(String name) {
        add(name, 1);
    }

    void add(String name, long n) {
        counts.computeIfAbsent(name, k -> new LongAdder()).add(n);
    }

    long get(String name) {
        LongAdder adder = counts.get(name);
        return adder == null ? 0 : adder.sum();
    }

    /** Adds every counter of {@code other} to this one. */
    void addAll(Tally other) {
        other.counts.forEach((name, adder) -> add(name, adder.sum()));
    }

    Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((name, adder) -> out.put(name, adder.sum()));
        return out;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        snapshot()
                .forEach((name, n) -> text.append(text.isEmpty() ? "" : " ")
                        .append(name)
                        .append('=')
                        .append(n));
        return text.toString();
    }
}
