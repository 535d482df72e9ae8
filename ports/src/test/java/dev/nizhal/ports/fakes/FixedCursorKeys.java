package dev.nizhal.ports.fakes;

import dev.nizhal.ports.out.CursorKeys;
import java.util.concurrent.atomic.AtomicLong;

/** One fixed key, and nonces from a counter (big-endian in the last bytes): never repeated, the same in every run. */
public record FixedCursorKeys(byte[] key, AtomicLong nonces) implements CursorKeys {
    public FixedCursorKeys(byte[] key) {
        this(key, new AtomicLong());
    }

    @Override
    public byte[] current() {
        return key.clone();
    }

    @Override
    public byte[] nonce(int length) {
        byte[] nonce = new byte[length];
        long counter = nonces.incrementAndGet();
        for (int i = length - 1; i >= 0 && counter != 0; i--, counter >>>= 8) {
            nonce[i] = (byte) counter;
        }
        return nonce;
    }
}
