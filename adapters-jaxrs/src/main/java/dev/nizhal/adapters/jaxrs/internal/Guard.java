package dev.nizhal.adapters.jaxrs.internal;

import dev.nizhal.domain.error.SyncException;
import jakarta.ws.rs.core.Response;
import java.util.function.Supplier;

/**
 * Runs a resource method's work so that every failure leaves it as a {@link SyncException}: the exception mapper of
 * this adapter is registered for those only, and so never takes over the failures of other resources of an
 * application that mounts these next to its own.
 */
public final class Guard {
    private Guard() {}

    public static Response run(Supplier<Response> work) {
        try {
            return work.get();
        } catch (SyncException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new UnexpectedFailure(e);
        }
    }
}
