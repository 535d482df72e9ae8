package dev.nizhal.ports.contract;

import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.Transactions;

/**
 * The contract kit of {@link RowSource}: grants, requested filters, changed rows and load pages with the compiled
 * predicates. The tests arrive with change capture; an implementation's test extends this class and supplies the
 * setup hook.
 */
public abstract class RowSourceContract {

    /** The setup hook: the implementation under test and how the kit writes its test rows. */
    protected abstract Setup setup();

    /** What a row-source implementation gives the kit. */
    public interface Setup {
        RowSource rowSource();

        Transactions transactions();

        /** Runs the kit's data-definition and row-writing statements (PostgreSQL SQL) in one transaction. */
        void execute(String... statements);
    }
}
