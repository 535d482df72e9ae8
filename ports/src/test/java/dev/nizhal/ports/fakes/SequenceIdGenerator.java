package dev.nizhal.ports.fakes;

import dev.nizhal.domain.mutator.UuidV7;
import dev.nizhal.ports.out.Clock;
import dev.nizhal.ports.out.IdGenerator;
import java.nio.ByteBuffer;

/** Deterministic UUIDv7 ids: the clock's time and a counter in place of random bits. */
public final class SequenceIdGenerator implements IdGenerator {
    private final Clock clock;
    private long counter;

    public SequenceIdGenerator(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String newId() {
        byte[] bits =
                ByteBuffer.allocate(10).putShort((short) 0).putLong(counter++).array();
        return UuidV7.format(clock.now().toEpochMilli(), bits);
    }
}
