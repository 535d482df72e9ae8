package dev.nizhal.adapters.jdbi;

import dev.nizhal.ports.out.MutationJournal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * One journal row as both readers of {@code nizhal.mutation_journal} (alias {@code j}) select and map it: the push's
 * replay check ({@link JdbiMutationJournal}) and the console ({@link JdbiOperatorStore}), which adds columns after
 * these.
 */
final class JournalRows {
    /** The columns, in the order {@link #row} reads them (1 to {@value #COUNT}). */
    static final String COLUMNS = "j.client_id, j.mutation_id, j.name, j.actor, j.args::text, j.args_hash, j.status,"
            + " j.result::text, j.error::text, j.created_at";

    static final int COUNT = 10;

    private JournalRows() {}

    record Row(MutationJournal.Entry entry, Instant createdAt) {}

    static Row row(ResultSet rs) throws SQLException {
        Timestamp created = rs.getTimestamp(10);
        return new Row(
                new MutationJournal.Entry(
                        rs.getString(1),
                        rs.getLong(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8),
                        rs.getString(9)),
                created == null ? null : created.toInstant());
    }
}
