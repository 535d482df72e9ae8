package dev.nizhal.ports.out;

/**
 * What seals cursors: the configured key (a generated development key otherwise) and fresh nonces, one per cursor.
 * Randomness comes in through this port because services read no ambient randomness (ARCHITECTURE.md, R5).
 */
public interface CursorKeys {
    /** The current key, at least 32 bytes. */
    byte[] current();

    /**
     * {@code length} bytes never returned before for the current key, in any instance that shares it: in production,
     * fresh bytes from a {@code SecureRandom}.
     */
    byte[] nonce(int length);
}
