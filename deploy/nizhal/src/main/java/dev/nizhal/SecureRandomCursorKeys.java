package dev.nizhal;

import dev.nizhal.ports.out.CursorKeys;
import java.security.SecureRandom;

/**
 * The configured cursor key, and nonces from a {@link SecureRandom}: random, so instances that share the key need no
 * coordination to never repeat one (96-bit nonces: see {@code CursorCodec} for the bound).
 */
final class SecureRandomCursorKeys implements CursorKeys {
    private final byte[] key;
    private final SecureRandom random = new SecureRandom();

    SecureRandomCursorKeys(byte[] key) {
        this.key = key.clone();
    }

    @Override
    public byte[] current() {
        return key.clone();
    }

    @Override
    public byte[] nonce(int length) {
        byte[] nonce = new byte[length];
        random.nextBytes(nonce);
        return nonce;
    }
}
