package dev.nizhal.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs an operation in a loop on a number of threads for a warm-up and then a measured period, and reports the
 * operations per second of the measured period (every thread's count while the period was open).
 */
final class Load {
    private Load() {}

    /** One thread's work: each call does one operation (and throws when it went wrong). */
    interface Operation extends AutoCloseable {
        void run() throws Exception;

        @Override
        default void close() throws Exception {}
    }

    /** Makes the operation of thread {@code index}: its own connection, client id, ... */
    interface Operations {
        Operation open(int index) throws Exception;
    }

    static double perSecond(int threads, Duration warmUp, Duration measured, Operations operations) throws Exception {
        List<Operation> opened = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                opened.add(operations.open(i));
            }
            long start = System.nanoTime() + warmUp.toNanos();
            long end = start + measured.toNanos();
            long[] counts = new long[threads];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(threads);
            for (int i = 0; i < threads; i++) {
                int index = i;
                Thread.ofPlatform().name("bench-load-" + i).start(() -> {
                    try {
                        Operation operation = opened.get(index);
                        long count = 0;
                        long now;
                        while ((now = System.nanoTime()) < end && failure.get() == null) {
                            operation.run();
                            if (now >= start) {
                                count++;
                            }
                        }
                        counts[index] = count;
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await();
            if (failure.get() != null) {
                throw new IllegalStateException("an operation failed: " + failure.get(), failure.get());
            }
            long total = 0;
            for (long count : counts) {
                total += count;
            }
            return total / (measured.toNanos() / 1e9);
        } finally {
            for (Operation operation : opened) {
                operation.close();
            }
        }
    }
}
