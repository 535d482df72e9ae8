package dev.nizhal.archfixtures.r6.ports.in;

import java.util.List;

/** Breaks R6: an implementation inside the in package. */
public class PullChangesService implements PullChanges {
    @Override
    public List<String> pull(Request request) {
        return List.of();
    }
}
