package dev.nizhal.ports.out;

/** The HMAC-SHA256 key that signs cursors (from configuration; a generated development key otherwise). */
@FunctionalInterface
public interface CursorKeys {
    /** The current key, at least 32 bytes. */
    byte[] current();
}
