package dev.nizhal.domain.rules;

import java.util.Objects;

/** Where a bucket parameter's values come from: only from the verified actor, never from the client. */
public sealed interface ParameterSource {

    /** The parameter's name, as data queries refer to it with {@code bucket.param(name)}. */
    String name();

    /** The actor's id. */
    record FromActor(String name) implements ParameterSource {
        public FromActor {
            Objects.requireNonNull(name, "name");
        }
    }

    /** A verified claim of the actor's credentials. */
    record FromClaim(String name, String claim) implements ParameterSource {
        public FromClaim {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(claim, "claim");
        }
    }

    /** The selected column of the rows a query scoped to the actor returns (one bucket per value). */
    record FromQuery(String name, TableQuery query) implements ParameterSource {
        public FromQuery {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(query, "query");
        }
    }
}
