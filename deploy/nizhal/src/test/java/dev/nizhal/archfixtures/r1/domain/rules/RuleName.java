package dev.nizhal.archfixtures.r1.domain.rules;

import java.util.Objects;

/** Compliant with R1: java.* only. */
public record RuleName(String value) {
    public RuleName {
        Objects.requireNonNull(value, "value");
    }
}
