package dev.nizhal.domain.mutator;

import java.util.Objects;

/** One named mutator: its args record type, its body and the isolation its transaction opens with. */
public record MutatorDefinition<A>(String name, Class<A> argsType, Mutator<A> body, Isolation isolation) {
    public MutatorDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(argsType, "argsType");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(isolation, "isolation");
    }
}
