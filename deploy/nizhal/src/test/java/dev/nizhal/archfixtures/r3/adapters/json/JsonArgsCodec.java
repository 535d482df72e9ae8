package dev.nizhal.archfixtures.r3.adapters.json;

import dev.nizhal.archfixtures.r3.ports.out.ArgsCodec;

/** Compliant with R3: an adapter depends on ports, not on other adapters. */
public final class JsonArgsCodec implements ArgsCodec {
    @Override
    public String encode(Object value) {
        return String.valueOf(value);
    }
}
