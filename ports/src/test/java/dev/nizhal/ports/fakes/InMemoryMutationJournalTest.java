package dev.nizhal.ports.fakes;

import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.ports.contract.MutationJournalContract;
import dev.nizhal.ports.out.MutationJournal;
import dev.nizhal.ports.out.Transactions;
import dev.nizhal.ports.out.Tx;

class InMemoryMutationJournalTest extends MutationJournalContract {
    private final InMemoryMutationJournal journal = new InMemoryMutationJournal();
    private final FakeTransactions transactions = new FakeTransactions();

    @Override
    protected Setup setup() {
        return new Setup() {
            @Override
            public MutationJournal journal() {
                return journal;
            }

            @Override
            public Transactions transactions() {
                return transactions;
            }

            @Override
            public PgSnapshot snapshot(Tx tx) {
                return PgSnapshot.of(1, 1);
            }
        };
    }
}
