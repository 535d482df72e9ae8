package dev.nizhal.archfixtures.r4.admin;

import dev.nizhal.archfixtures.r4.adapters.jdbi.JdbiMutationJournal;
import java.util.List;

/** Breaks R4: the console depends on an adapter. */
public final class JournalView {
    private final JdbiMutationJournal journal;

    public JournalView(JdbiMutationJournal journal) {
        this.journal = journal;
    }

    public List<String> rows() {
        return journal.entries();
    }
}
