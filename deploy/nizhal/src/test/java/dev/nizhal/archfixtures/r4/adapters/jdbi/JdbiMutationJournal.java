package dev.nizhal.archfixtures.r4.adapters.jdbi;

import java.util.List;

/** An adapter the broken console view reaches into. */
public final class JdbiMutationJournal {
    public List<String> entries() {
        return List.of();
    }
}
