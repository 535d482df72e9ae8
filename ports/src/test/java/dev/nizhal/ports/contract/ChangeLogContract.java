package dev.nizhal.ports.contract;

import dev.nizhal.ports.out.ChangeLog;
import dev.nizhal.ports.out.Transactions;

/**
 * The contract kit of {@link ChangeLog}: windows between snapshots, any commit order, paging positions. The tests
 * arrive with change capture (issue "Change capture and cursor pull"); an implementation's test extends this class
 * and supplies the setup hook.
 */
public abstract class ChangeLogContract {

    /** The setup hook: the implementation under test and how the kit writes its test data. */
    protected abstract Setup setup();

    /** What a change-log implementation gives the kit. */
    public interface Setup {
        ChangeLog changeLog();

        Transactions transactions();

        /** Writes change-log entries as one committed transaction would: bucket, table and keys. */
        void commitEntries(String bucket, String table, String... keys);
    }
}
