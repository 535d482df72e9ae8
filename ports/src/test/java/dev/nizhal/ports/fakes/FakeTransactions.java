package dev.nizhal.ports.fakes;

import dev.nizhal.domain.mutator.Isolation;
import dev.nizhal.ports.out.Transactions;
import dev.nizhal.ports.out.Tx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Single-threaded transactions for service tests with in-memory fakes: no isolation, no rollback of fake state;
 * records which kind of transaction ran. {@link #failTransiently} makes chosen failures count as transient.
 */
public final class FakeTransactions implements Transactions {
    private final List<String> log = new ArrayList<>();
    private Class<? extends Throwable> transientType = TransientFailure.class;

    /** A failure the fake classifies as transient, for retry tests. */
    public static final class TransientFailure extends dev.nizhal.domain.error.SyncException {
        private static final long serialVersionUID = 1L;

        public TransientFailure(String message) {
            super(dev.nizhal.domain.error.SyncErrorCode.TRANSIENT, message);
        }
    }

    @Override
    public <T> T inReadTransaction(Work<T> work) {
        log.add("read");
        return work.run(new FakeTx());
    }

    @Override
    public <T> T inWriteTransaction(Isolation isolation, Work<T> work) {
        log.add("write " + isolation);
        return work.run(new FakeTx());
    }

    @Override
    public boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (transientType.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    public void failTransiently(Class<? extends Throwable> type) {
        this.transientType = type;
    }

    /** The transactions run so far: {@code read} or {@code write <ISOLATION>}. */
    public List<String> log() {
        return List.copyOf(log);
    }

    private final class FakeTx implements Tx {
        @Override
        public <H> H handle(Class<H> type) {
            throw new IllegalArgumentException(
                    "the fake transaction has no native handle (asked for " + type.getName() + ")");
        }

        @Override
        public <T> T inSavepoint(Supplier<T> body) {
            log.add("savepoint");
            return body.get();
        }
    }
}
