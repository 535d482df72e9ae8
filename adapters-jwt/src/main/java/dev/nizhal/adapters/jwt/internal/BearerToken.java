package dev.nizhal.adapters.jwt.internal;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Takes the compact JWS out of an {@code Authorization} header value ({@code Bearer <token>}, scheme in any case) or
 * a bare token. Anything else (another scheme, extra words, characters outside base64url and dots, a token of the
 * wrong shape or longer than the limit) is no token: it never reaches the JOSE parser.
 */
public final class BearerToken {
    private static final String SCHEME = "bearer";

    /** header.payload.signature, each base64url without padding; the signature may not be empty (no unsecured JWT) */
    private static final Pattern COMPACT_JWS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

    private BearerToken() {}

    /** The token of these credentials, if they hold one of at most {@code maxChars} characters. */
    public static Optional<String> from(String credentials, int maxChars) {
        if (credentials == null) {
            return Optional.empty();
        }
        // RFC 9110 field values may carry surrounding whitespace; RFC 6750: "Bearer" 1*SP token
        String value = credentials.strip();
        if (value.length() > maxChars + SCHEME.length() + 8) {
            return Optional.empty(); // checked before any regex runs over attacker-sized input
        }
        String token = value;
        int space = value.indexOf(' ');
        if (space >= 0) {
            if (!value.substring(0, space).toLowerCase(Locale.ROOT).equals(SCHEME)) {
                return Optional.empty();
            }
            token = value.substring(space + 1).stripLeading();
        }
        if (token.isEmpty()
                || token.length() > maxChars
                || !COMPACT_JWS.matcher(token).matches()) {
            return Optional.empty();
        }
        return Optional.of(token);
    }
}
