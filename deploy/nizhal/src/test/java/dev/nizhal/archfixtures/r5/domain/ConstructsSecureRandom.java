package dev.nizhal.archfixtures.r5.domain;

import java.security.SecureRandom;

/** Breaks R5: creates its own randomness. */
public final class ConstructsSecureRandom {
    public byte[] key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
