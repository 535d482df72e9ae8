package dev.nizhal.adapters.jdbi;

import java.sql.Array;
import java.sql.SQLException;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** One row of {@code nizhal.change_log} as the capture tests read it. */
record LoggedChange(String bucket, String tbl, List<String> pks, String txid) {

    /**
     * The bucket, table and keys, for assertions that do not care about the transaction. The keys are sorted: their
     * order in a change-log row carries no meaning.
     */
    record Entry(String bucket, String tbl, List<String> pks) {
        Entry {
            pks = pks.stream().sorted().toList();
        }
    }

    static Entry entry(String bucket, String tbl, String... pks) {
        return new Entry(bucket, tbl, List.of(pks));
    }

    Entry entry() {
        return new Entry(bucket, tbl, pks);
    }

    /** Every change-log row, in insertion order. */
    static List<LoggedChange> all(Jdbi jdbi) {
        return jdbi.withHandle(LoggedChange::all);
    }

    static List<LoggedChange> all(Handle handle) {
        return handle.createQuery("select bucket, tbl, pks, txid::text as txid from nizhal.change_log order by seq")
                .map((rs, ctx) -> new LoggedChange(
                        rs.getString("bucket"), rs.getString("tbl"), strings(rs.getArray("pks")), rs.getString("txid")))
                .list();
    }

    static List<Entry> entries(Jdbi jdbi) {
        return all(jdbi).stream().map(LoggedChange::entry).toList();
    }

    static List<Entry> entries(Handle handle) {
        return all(handle).stream().map(LoggedChange::entry).toList();
    }

    private static List<String> strings(Array array) throws SQLException {
        return List.of((String[]) array.getArray());
    }
}
