package dev.nizhal.archfixtures.r9.ports.in;

import java.util.List;

/** A driving port to be injected. */
public interface PullChanges {
    List<String> pull(String cursor);
}
