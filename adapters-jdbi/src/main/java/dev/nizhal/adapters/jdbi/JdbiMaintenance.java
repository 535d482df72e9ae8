package dev.nizhal.adapters.jdbi;

import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Operations on Nizhal's own schema: snapshot marks and change-log retention (CHANGE-CAPTURE.md "Retention"),
 * rotating the database identity after a restore or failover, and the check value of the instances' cursor key.
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

    /**
     * Stores {@code check}, the check value of an instance's cursor key, unless one is stored already, and returns the
     * one stored now: {@code check} for the first instance, the first instance's for every later one (also when two
     * start at once). Empty when the database is not migrated to a schema that holds one yet.
     */
    public Optional<String> claimCursorKey(String check) {
        return jdbi.inTransaction(h -> {
            if (!holdsCursorKeyCheck(h)) {
                return Optional.empty();
            }
            // a second instance waits here for the first one's commit, then stores nothing
            h.createUpdate("update nizhal.meta set cursor_key_check = :check, updated_at = now()"
                            + " where cursor_key_check is null")
                    .bind("check", check)
                    .execute();
            return h.createQuery("select cursor_key_check from nizhal.meta")
                    .mapTo(String.class)
                    .findOne();
        });
    }

    /** The stored check value of the cursor key, empty when none is stored or the schema does not hold one yet. */
    public Optional<String> cursorKeyCheck() {
        return jdbi.withHandle(h -> holdsCursorKeyCheck(h)
                ? h.createQuery("select cursor_key_check from nizhal.meta")
                        .mapTo(String.class)
                        .findOne()
                : Optional.empty());
    }

    /**
     * Forgets the stored check value: the next instance that serves stores its key's. For a change of the cursor key,
     * with every instance stopped (every client resets once: cursors signed with the old key no longer verify).
     */
    public void forgetCursorKey() {
        jdbi.useHandle(h -> h.execute("update nizhal.meta set cursor_key_check = null, updated_at = now()"));
    }

    private static boolean holdsCursorKeyCheck(Handle h) {
        return h.createQuery("select exists (select 1 from information_schema.columns where table_schema = 'nizhal'"
                        + " and table_name = 'meta' and column_name = 'cursor_key_check')")
                .mapTo(Boolean.class)
                .one();
    }
}
