package dev.nizhal.domain.text;

import java.util.Optional;

/**
 * Text that PostgreSQL can store and UTF-8 can encode: no U+0000 (PostgreSQL {@code text} and {@code jsonb} cannot
 * hold it) and no unpaired surrogate (it has no UTF-8 form). Whatever a client sends that reaches SQL (names, filters,
 * args, the actor's id and claims) is checked with this one rule before any statement runs, so that such text is a
 * client's error and never a failed transaction.
 */
public final class StorableText {
    /** The problem with U+0000, in the words of a client's error. */
    public static final String NUL = "must not contain the character U+0000";

    /** The problem with half a surrogate pair, in the words of a client's error. */
    public static final String UNPAIRED_SURROGATE = "is not valid Unicode text (an unpaired surrogate)";

    private StorableText() {}

    /** What is wrong with {@code text} ({@link #NUL} or {@link #UNPAIRED_SURROGATE}), or empty when it can be stored. */
    public static Optional<String> problem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return Optional.of(NUL);
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Optional.of(UNPAIRED_SURROGATE);
            }
        }
        return Optional.empty();
    }

    /** Whether {@code text} can be stored: {@link #problem} is empty. */
    public static boolean storable(String text) {
        return problem(text).isEmpty();
    }
}
