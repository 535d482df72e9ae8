package dev.nizhal.archfixtures.r2.adapters.jdbi;

import dev.nizhal.archfixtures.r2.domain.Bucket;
import dev.nizhal.archfixtures.r2.ports.out.ChangeLog;
import java.util.List;

/** An adapter, which the broken ports class depends on. */
public final class JdbiChangeLog implements ChangeLog {
    @Override
    public List<String> changes(Bucket bucket) {
        return List.of();
    }
}
