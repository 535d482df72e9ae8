package dev.nizhal.adapters.jaxrs.internal;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The problems found in one request, each with the path of the offending value, reported together as one {@code
 * MALFORMED_REQUEST} whose {@code details.errors} has the same {@code {"path", "message"}} shape as the args codec's
 * {@code INVALID_ARGS}.
 */
final class Problems {
    /** A body full of wrong values would otherwise be echoed back problem by problem. */
    static final int MAX_REPORTED = 100;

    private final List<Map<String, Object>> errors = new ArrayList<>();
    private int count;

    void add(String path, String message) {
        count++;
        if (errors.size() < MAX_REPORTED) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("path", path);
            error.put("message", message);
            errors.add(Collections.unmodifiableMap(error));
        }
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Throws the problems found so far, if any. */
    void throwIfAny() {
        if (count > 0) {
            throw exception();
        }
    }

    /** One problem, as an exception: the body could not be read as JSON at all. */
    static SyncException single(String path, String message) {
        Problems problems = new Problems();
        problems.add(path, message);
        return problems.exception();
    }

    private SyncException exception() {
        Map<String, Object> first = errors.getFirst();
        String path = (String) first.get("path");
        StringBuilder message = new StringBuilder("malformed request: ");
        if (!path.isEmpty()) {
            message.append(path).append(": ");
        }
        message.append(first.get("message"));
        if (count > 1) {
            message.append(" (and ").append(count - 1).append(" more)");
        }
        return new SyncException(
                SyncErrorCode.MALFORMED_REQUEST, message.toString(), Map.of("errors", List.copyOf(errors)));
    }
}
