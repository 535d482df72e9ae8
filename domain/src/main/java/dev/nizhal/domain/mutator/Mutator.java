package dev.nizhal.domain.mutator;

/**
 * The body of a mutator: one business operation, run in one server transaction. It sees the current server state
 * through {@link MutatorContext#tx(Class)} and decides; it is the merge function.
 */
@FunctionalInterface
public interface Mutator<A> {
    /**
     * @throws MutationRejected to reject the mutation with a business reason (recorded, the client's next mutation
     *     goes on)
     */
    MutationResult apply(MutatorContext ctx, A args);
}
