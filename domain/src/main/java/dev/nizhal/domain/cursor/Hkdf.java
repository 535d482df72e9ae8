package dev.nizhal.domain.cursor;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF-SHA256 (RFC 5869) on the JDK's HMAC, for keys derived from the configured cursor key. The JDK's own
 * {@code javax.crypto.KDF} arrived in Java 25; the code is compiled for 21, and the two HMAC steps below are the whole
 * of the algorithm ({@code HkdfTest} checks them against the RFC's test vectors).
 */
final class Hkdf {
    private static final String HMAC = "HmacSHA256";
    private static final int HASH_BYTES = 32;

    private Hkdf() {}

    /**
     * {@code length} bytes of output keying material from {@code ikm}, with {@code salt} (empty: the RFC's
     * {@code HashLen} zeros) and {@code info}.
     *
     * @throws IllegalArgumentException if {@code length} is not between 1 and 255 × 32
     */
    static byte[] sha256(byte[] ikm, byte[] salt, byte[] info, int length) {
        Objects.requireNonNull(ikm, "ikm");
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(info, "info");
        if (length < 1 || length > 255 * HASH_BYTES) {
            throw new IllegalArgumentException("HKDF-SHA256 gives 1 to " + 255 * HASH_BYTES + " bytes, not " + length);
        }
        byte[] prk = hmac(salt.length == 0 ? new byte[HASH_BYTES] : salt, ikm);
        byte[] okm = new byte[length];
        byte[] block = new byte[0];
        for (int i = 1, done = 0; done < length; i++) {
            byte[] input = Arrays.copyOf(block, block.length + info.length + 1);
            System.arraycopy(info, 0, input, block.length, info.length);
            input[input.length - 1] = (byte) i;
            block = hmac(prk, input);
            int n = Math.min(HASH_BYTES, length - done);
            System.arraycopy(block, 0, okm, done, n);
            done += n;
        }
        return okm;
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            // Every JDK ships HmacSHA256, and a key here is never empty.
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }
}
