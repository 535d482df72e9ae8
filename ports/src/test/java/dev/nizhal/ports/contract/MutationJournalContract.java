package dev.nizhal.ports.contract;

import dev.nizhal.ports.out.MutationJournal;
import dev.nizhal.ports.out.Transactions;

/**
 * The contract kit of {@link MutationJournal}: client binding, locking, recorded outcomes. The tests arrive with
 * idempotent push; an implementation's test extends this class and supplies the setup hook.
 */
public abstract class MutationJournalContract {

    /** The setup hook: the implementation under test. */
    protected abstract Setup setup();

    /** What a journal implementation gives the kit. */
    public interface Setup {
        MutationJournal journal();

        Transactions transactions();
    }
}
