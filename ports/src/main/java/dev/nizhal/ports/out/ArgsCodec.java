package dev.nizhal.ports.out;

import java.util.List;

/** Mutation args as JSON ↔ args records, validated; and the JSON Schema of every args type. */
public interface ArgsCodec {

    /**
     * Decodes and validates {@code json} into {@code type}.
     *
     * @throws dev.nizhal.domain.error.SyncException with {@code INVALID_ARGS} and the failing paths in its details
     */
    <A> A decode(Class<A> type, String json);

    /**
     * {@code json} in one canonical form (object keys sorted, no insignificant whitespace), so that a replay of the
     * same args compares equal however it was formatted.
     *
     * @throws dev.nizhal.domain.error.SyncException with {@code MALFORMED_REQUEST} when {@code json} is not exactly
     *     one well-formed JSON value (a push whose args are not is malformed as a whole)
     */
    String canonicalJson(String json);

    /** Encodes a mutator's result value (a server id, a record) as JSON. */
    String encode(Object value);

    /** The JSON Schema of {@code type}, as JSON text. */
    String jsonSchema(Class<?> type);

    /** One validation problem, for {@code details.errors} of {@code INVALID_ARGS}. */
    record Violation(String path, String message) {}

    /** The violations a failed decode reports (empty for other failures). */
    default List<Violation> violations(RuntimeException failure) {
        return List.of();
    }
}
