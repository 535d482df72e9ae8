package dev.nizhal.ports.fakes;

import dev.nizhal.ports.out.Clock;
import java.time.Duration;
import java.time.Instant;

/** A clock that moves only when told to. */
public final class FakeClock implements Clock {
    private Instant now;

    public FakeClock(Instant start) {
        this.now = start;
    }

    @Override
    public Instant now() {
        return now;
    }

    public void advance(Duration by) {
        now = now.plus(by);
    }
}
