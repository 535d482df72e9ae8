package dev.nizhal.archfixtures.r6.ports.pull;

import dev.nizhal.archfixtures.r6.ports.in.PullChanges;
import java.util.List;

/** Breaks R6 by its name only (package-private, so R7 is kept). */
final class PullChangesImpl implements PullChanges {
    @Override
    public List<String> pull(Request request) {
        return List.of();
    }
}
