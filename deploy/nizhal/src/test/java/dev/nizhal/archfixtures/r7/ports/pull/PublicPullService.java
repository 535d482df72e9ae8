package dev.nizhal.archfixtures.r7.ports.pull;

import dev.nizhal.archfixtures.r7.ports.in.PullChanges;
import java.util.List;

/** Breaks R7: a public service implementing a driving port. */
public final class PublicPullService implements PullChanges {
    @Override
    public List<String> pull(String cursor) {
        return List.of();
    }
}
