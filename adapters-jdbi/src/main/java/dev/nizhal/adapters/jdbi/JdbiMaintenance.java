package dev.nizhal.adapters.jdbi;

import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Operations on Nizhal's own schema: snapshot marks and change-log retention (CHANGE-CAPTURE.md "Retention"), and
 * rotating the database identity after a restore or failover.
 */
public final class JdbiMaintenance {
    private final Jdbi jdbi;

    public JdbiMaintenance(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Writes a snapshot mark (the change-log poller does it about every minute). */
    public void takeSnapshotMark() {
        jdbi.useHandle(h -> h.execute("insert into nizhal.snapshot_marks (snap) values (pg_current_snapshot())"));
    }

    /**
     * Deletes the change-log rows visible in mark M, the newest mark older than {@code horizon}, and stores M as the
     * retention mark in the same transaction; older marks go too. No wall clock and no txid order decides what is
     * deleted: only visibility in a snapshot that was taken. A cursor is then valid only if its {@code S_prev} sees
     * everything M sees. Returns the number of change-log rows deleted, empty when no mark is old enough.
     */
    public Optional<Integer> trimChangeLog(Duration horizon) {
        return jdbi.inTransaction(h -> {
            h.execute("lock table nizhal.meta in exclusive mode"); // one trim at a time
            Optional<String> mark = h.createQuery("select snap::text from nizhal.snapshot_marks"
                            + " where taken_at <= now() - cast(:horizon as interval)"
                            + " order by taken_at desc limit 1")
                    .bind("horizon", horizon.toMillis() + " milliseconds")
                    .mapTo(String.class)
                    .findOne();
            if (mark.isEmpty()) {
                return Optional.empty();
            }
            int deleted = h.createUpdate("delete from nizhal.change_log"
                            + " where pg_visible_in_snapshot(txid, cast(:mark as pg_snapshot))")
                    .bind("mark", mark.get())
                    .execute();
            h.createUpdate("update nizhal.meta set retention_mark = cast(:mark as pg_snapshot), updated_at = now()")
                    .bind("mark", mark.get())
                    .execute();
            h.createUpdate("delete from nizhal.snapshot_marks where taken_at < (select max(taken_at)"
                            + " from nizhal.snapshot_marks where snap::text = :mark)")
                    .bind("mark", mark.get())
                    .execute();
            return Optional.of(deleted);
        });
    }

    /**
     * Gives the database a new identity: every client's cursor resets on its next pull. Run it after a restore or a
     * failover, when the database may have gone back in time.
     */
    public void rotateIdentity() {
        jdbi.useHandle(h -> h.execute("update nizhal.meta set identity = gen_random_uuid()::text, updated_at = now()"));
    }
}
