package dev.nizhal.archfixtures.r2.ports.pull;

import dev.nizhal.archfixtures.r2.adapters.jdbi.JdbiChangeLog;

/** Breaks R2: ports depend on an adapter. */
public final class ChangeReader {
    private final JdbiChangeLog changeLog;

    public ChangeReader(JdbiChangeLog changeLog) {
        this.changeLog = changeLog;
    }

    public Object source() {
        return changeLog;
    }
}
