package dev.nizhal.archfixtures.r7.ports.in;

import java.util.List;

/** A driving port. */
public interface PullChanges {
    List<String> pull(String cursor);
}
