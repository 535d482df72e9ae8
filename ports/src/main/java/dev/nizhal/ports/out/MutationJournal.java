package dev.nizhal.ports.out;

import dev.nizhal.domain.cursor.PgSnapshot;
import java.util.List;
import java.util.Optional;

/** The clients and the record of every mutation outcome, written in the transaction of the mutation (and of the others of its push group). */
public interface MutationJournal {

    /**
     * Binds a new client to {@code actorId} (insert if absent) and locks its row for the rest of {@code tx}, which
     * serializes one client's pushes across every instance.
     */
    ClientRow lockClient(Tx tx, String clientId, String actorId);

    /**
     * {@link #lockClient(Tx, String, String)} for a push of {@code mutationId}, with the entry recorded for that id
     * when it is at or below the client's last mutation id (a replay), read together where the store can (one round
     * trip for a known client). The entry may be missing even then (e.g. a push of the same id committed while this
     * one waited for the lock, after its snapshot): the caller then reads it with {@link #find}.
     */
    default LockedClient lockClient(Tx tx, String clientId, String actorId, long mutationId) {
        ClientRow row = lockClient(tx, clientId, actorId);
        Entry recorded = mutationId <= row.lastMutationId()
                ? find(tx, clientId, mutationId).orElse(null)
                : null;
        return new LockedClient(row, recorded);
    }

    /**
     * {@link #lockClient(Tx, String, String, long)} for a client already registered, without registering it: empty
     * when it is not. A SERIALIZABLE push uses it, and registers a new client in a transaction of its own first
     * ({@link #register}): its own insert-if-absent would take a predicate lock on the part of the clients index that
     * other new clients insert into, and make their first pushes fail with serialization errors.
     */
    default Optional<LockedClient> lockRegisteredClient(Tx tx, String clientId, long mutationId) {
        return client(tx, clientId).map(c -> lockClient(tx, clientId, c.actorId(), mutationId));
    }

    /** Binds a new client to {@code actorId} if it is not bound yet (insert if absent), without waiting for it. */
    default void register(Tx tx, String clientId, String actorId) {
        lockClient(tx, clientId, actorId);
    }

    /** The recorded outcome of one mutation, if any. */
    Optional<Entry> find(Tx tx, String clientId, long mutationId);

    /** Records an outcome and advances the client's last mutation id. */
    void record(Tx tx, Entry entry);

    /**
     * Records several outcomes, in order, and advances each one's client's last mutation id, as {@link #record} of
     * each would: in one round trip where the store can (a push group's entries).
     */
    default void recordAll(Tx tx, List<Entry> entries) {
        entries.forEach(entry -> record(tx, entry));
    }

    /**
     * The highest mutation id of the client whose transaction is visible in {@code upTo} (a window's upper snapshot,
     * which may see less than {@code tx}); 0 when none.
     */
    long lastMutationId(Tx tx, String clientId, PgSnapshot upTo);

    /** The client as recorded, without locking it (pulls check the binding to the actor with it). */
    Optional<ClientRow> client(Tx tx, String clientId);

    /**
     * A client locked for a push, and the entry recorded for the pushed id, or null (see
     * {@link #lockClient(Tx, String, String, long)}).
     */
    record LockedClient(ClientRow row, Entry recordedEntry) {
        /** The entry recorded for the pushed id, when it was read with the lock. */
        public Optional<Entry> recorded() {
            return Optional.ofNullable(recordedEntry);
        }
    }

    /** A client as the journal knows it. */
    record ClientRow(String clientId, String actorId, long lastMutationId) {}

    /**
     * One recorded mutation.
     *
     * @param status {@code applied} or {@code rejected}
     * @param resultJson the result of an applied mutation (JSON), or null
     * @param errorJson the error of a rejected one (JSON), or null
     */
    record Entry(
            String clientId,
            long mutationId,
            String name,
            String actorId,
            String argsJson,
            String argsHash,
            String status,
            String resultJson,
            String errorJson) {}
}
