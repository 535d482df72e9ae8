package dev.nizhal.archfixtures.r3.adapters.jdbi;

import java.util.List;

/** The adapter another adapter wrongly depends on. */
public final class JdbiChangeLog {
    public List<String> changes() {
        return List.of();
    }
}
