package dev.nizhal.domain.cursor;

import java.util.Objects;

/** Checks on the strings a cursor carries. */
final class Text {
    private Text() {}

    static void requireNonEmpty(String value, String name) {
        requireWellFormed(value, name);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
    }

    /**
     * Refuses an unpaired surrogate: it has no UTF-8 form, so it could not survive the round trip through a token
     * (Java would silently write {@code ?}), and PostgreSQL text cannot hold it either.
     */
    static void requireWellFormed(String value, String name) {
        Objects.requireNonNull(value, name);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)
                    && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(name + " contains an unpaired surrogate at index " + i);
            }
        }
    }

    /** Lower-case hex with an even number of digits, so it travels as bytes and comes back as the same string. */
    static void requirePlanHash(String planHash) {
        requireNonEmpty(planHash, "planHash");
        if (planHash.length() % 2 != 0) {
            throw new IllegalArgumentException("planHash must have an even number of hex digits");
        }
        for (int i = 0; i < planHash.length(); i++) {
            char c = planHash.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                throw new IllegalArgumentException("planHash must be lower-case hexadecimal");
            }
        }
    }

    /** The fields that say whose cursor it is, checked the same way in a cursor and in what a pull expects. */
    static void requireScope(
            int protocolVersion,
            String databaseIdentity,
            String planHash,
            String actorId,
            String clientId,
            String rule) {
        if (protocolVersion < 1) {
            throw new IllegalArgumentException("protocol version must be at least 1, was " + protocolVersion);
        }
        requireNonEmpty(databaseIdentity, "databaseIdentity");
        requirePlanHash(planHash);
        requireNonEmpty(actorId, "actorId");
        requireNonEmpty(clientId, "clientId");
        requireNonEmpty(rule, "rule");
    }
}
