package dev.nizhal.archfixtures.r6.ports.in;

import java.util.List;

/** Compliant with R6: a driving port and its nested value type. */
public interface PullChanges {
    List<String> pull(Request request);

    /** The request value. */
    record Request(String cursor) {}
}
