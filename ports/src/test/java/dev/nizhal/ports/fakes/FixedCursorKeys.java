package dev.nizhal.ports.fakes;

import dev.nizhal.ports.out.CursorKeys;

/** One fixed key. */
public record FixedCursorKeys(byte[] key) implements CursorKeys {
    @Override
    public byte[] current() {
        return key.clone();
    }
}
