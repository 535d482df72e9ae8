package dev.nizhal.archfixtures.r7.ports.pull;

import dev.nizhal.archfixtures.r7.ports.in.PullChanges;
import java.util.List;

/** Compliant with R7: a package-private service. */
final class PullService implements PullChanges {
    @Override
    public List<String> pull(String cursor) {
        return List.of(cursor);
    }
}
