package dev.nizhal.ports.fakes;

import dev.nizhal.ports.contract.IdGeneratorContract;
import dev.nizhal.ports.out.IdGenerator;
import java.time.Instant;

class SequenceIdGeneratorTest extends IdGeneratorContract {
    @Override
    protected IdGenerator generator() {
        return new SequenceIdGenerator(new FakeClock(Instant.parse("2026-11-26T12:00:00Z")));
    }
}
