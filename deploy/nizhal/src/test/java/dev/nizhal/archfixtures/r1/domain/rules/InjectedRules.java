package dev.nizhal.archfixtures.r1.domain.rules;

import jakarta.inject.Provider;

/** Breaks R1: the domain depends on a library (jakarta.inject), not only on the JDK. */
public final class InjectedRules {
    private final Provider<String> source;

    public InjectedRules(Provider<String> source) {
        this.source = source;
    }

    public String next() {
        return source.get();
    }
}
