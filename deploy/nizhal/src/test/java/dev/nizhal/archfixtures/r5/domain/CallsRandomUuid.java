package dev.nizhal.archfixtures.r5.domain;

import java.util.UUID;

/** Breaks R5: mints a random id. */
public final class CallsRandomUuid {
    public UUID id() {
        return UUID.randomUUID();
    }
}
