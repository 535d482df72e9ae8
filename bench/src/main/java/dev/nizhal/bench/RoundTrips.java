package dev.nizhal.bench;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Counts the round trips to PostgreSQL of every connection in this JVM while a piece of work runs: the PostgreSQL
 * JDBC driver ends each round trip with one Sync message (a statement, a statement list, a batch, a commit; a BEGIN
 * goes with the statement after it), which it logs at {@code FINEST} when asked. Structural, not a timing: counted
 * outside the measured periods. The driver logs on the thread that talks to the database, so the count is per
 * thread: the server's own background work (the realtime poller, the pull observer) runs on threads of its own.
 */
final class RoundTrips {
    private static final Logger DRIVER = Logger.getLogger("org.postgresql.core.v3.QueryExecutorImpl");

    private RoundTrips() {}

    /** The round trips made while {@code work} ran, per thread name. */
    static Map<String, Long> during(Callable<?> work) throws Exception {
        Map<String, Long> syncs = new ConcurrentHashMap<>();
        Handler counter = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (" FE=> Sync".equals(record.getMessage())) {
                    syncs.merge(Thread.currentThread().getName(), 1L, Long::sum);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        counter.setLevel(Level.FINEST);
        Level level = DRIVER.getLevel();
        boolean parents = DRIVER.getUseParentHandlers();
        DRIVER.addHandler(counter);
        DRIVER.setUseParentHandlers(false);
        DRIVER.setLevel(Level.FINEST);
        try {
            work.call();
        } finally {
            DRIVER.setLevel(level);
            DRIVER.setUseParentHandlers(parents);
            DRIVER.removeHandler(counter);
        }
        return Map.copyOf(syncs);
    }
}
