package dev.nizhal.archfixtures.r5.domain;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

/** Breaks R5: reads the system clock (a zone is no clock). */
public final class CallsLocalDateTimeNowInZone {
    public LocalDateTime stamp() {
        return LocalDateTime.now(ZoneOffset.UTC);
    }
}
