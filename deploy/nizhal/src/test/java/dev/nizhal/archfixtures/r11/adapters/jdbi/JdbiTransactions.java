package dev.nizhal.archfixtures.r11.adapters.jdbi;

import dev.nizhal.archfixtures.r11.ports.service.TestSeam;

/** Allowed: an adapter's own package-private enabling hook (it uses the annotation, not a seam type). */
public final class JdbiTransactions {
    private Runnable beforeCommit = () -> {};

    @TestSeam
    void beforeCommit(Runnable hook) {
        this.beforeCommit = hook;
    }

    public void commit() {
        beforeCommit.run();
    }
}
