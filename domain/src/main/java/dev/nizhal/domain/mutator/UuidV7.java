package dev.nizhal.domain.mutator;

import java.util.HexFormat;

/**
 * Formats a time-ordered UUID (version 7, RFC 9562) from a Unix time in milliseconds and random bits. The domain
 * takes both from outside (no clock, no randomness here); {@code IdGenerator} adapters supply them.
 */
public final class UuidV7 {
    private UuidV7() {}

    /**
     * @param unixMillis milliseconds since the epoch (48 bits used)
     * @param random at least 10 random bytes (74 bits used)
     */
    public static String format(long unixMillis, byte[] random) {
        if (random.length < 10) {
            throw new IllegalArgumentException("a UUIDv7 needs at least 10 random bytes");
        }
        if (unixMillis < 0 || unixMillis >= (1L << 48)) {
            throw new IllegalArgumentException("time out of range for a UUIDv7: " + unixMillis);
        }
        byte[] b = new byte[16];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (unixMillis >>> (40 - 8 * i));
        }
        System.arraycopy(random, 0, b, 6, 10);
        b[6] = (byte) ((b[6] & 0x0f) | 0x70); // version 7
        b[8] = (byte) ((b[8] & 0x3f) | 0x80); // variant 10
        String hex = HexFormat.of().formatHex(b);
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }
}
