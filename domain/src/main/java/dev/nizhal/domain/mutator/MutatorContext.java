package dev.nizhal.domain.mutator;

import dev.nizhal.domain.actor.Actor;

/** What a mutator body may use besides its args. */
public interface MutatorContext {

    /**
     * The native handle of the mutation's transaction (shared with the other READ COMMITTED mutations of its push group, the body in a savepoint of its own), e.g. {@code org.jdbi.v3.core.Handle} or {@code
     * java.sql.Connection}. The body runs inside a savepoint of that transaction: do not commit or roll back. A
     * deployment whose transactions are the server's (JTA, in the Jakarta deployment) offers more, such as the
     * application's JPA {@code jakarta.persistence.EntityManager}, flushed before the savepoint is released.
     *
     * @throws IllegalArgumentException when the transaction has no handle of that type
     */
    <T> T tx(Class<T> type);

    /** The verified actor who pushed the mutation (authorization is the mutator's job). */
    Actor actor();

    /** A new time-ordered id (UUIDv7, lower-case text). */
    String newId();

    /** The pushing client's id. */
    String clientId();

    /** The mutation's id in the client's sequence. */
    long mutationId();
}
