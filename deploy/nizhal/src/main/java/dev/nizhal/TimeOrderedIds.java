package dev.nizhal;

import dev.nizhal.domain.mutator.UuidV7;
import dev.nizhal.ports.out.IdGenerator;
import java.security.SecureRandom;

/**
 * UUIDv7 ids from the system clock and a secure random source. Within one process ids never go back in time, also
 * when the clock does (the last time used is kept).
 */
final class TimeOrderedIds implements IdGenerator {
    private final SecureRandom random = new SecureRandom();
    private long lastMillis;

    @Override
    public synchronized String newId() {
        lastMillis = Math.max(lastMillis, System.currentTimeMillis());
        byte[] bits = new byte[10];
        random.nextBytes(bits);
        return UuidV7.format(lastMillis, bits);
    }
}
