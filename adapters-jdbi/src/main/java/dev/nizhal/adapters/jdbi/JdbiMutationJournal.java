package dev.nizhal.adapters.jdbi;

import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.ports.out.MutationJournal;
import dev.nizhal.ports.out.Tx;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/** {@code nizhal.clients} and {@code nizhal.mutation_journal}, written in the caller's transaction. */
public final class JdbiMutationJournal implements MutationJournal {

    @Override
    public ClientRow lockClient(Tx tx, String clientId, String actorId) {
        Handle h = tx.handle(Handle.class);
        // insert-if-absent, then lock: two first pushes of a new client never meet a unique violation
        insertIfAbsent(h, clientId, actorId);
        return h.createQuery("select client_id, actor, last_mutation_id from nizhal.clients"
                        + " where client_id = :client for update")
                .bind("client", clientId)
                .map((rs, ctx) -> new ClientRow(rs.getString(1), rs.getString(2), rs.getLong(3)))
                .one();
    }

    /**
     * {@inheritDoc}
     *
     * <p>A known client's row is locked and the replayed entry read by one statement; a new client takes the insert
     * first, as {@link #lockClient(Tx, String, String)} does. The entry is read in the statement's snapshot, so an
     * entry that a concurrent push committed while this one waited for the lock can be missing (the row itself is
     * the latest version): the caller reads it then.
     */
    @Override
    public LockedClient lockClient(Tx tx, String clientId, String actorId, long mutationId) {
        Handle h = tx.handle(Handle.class);
        Optional<LockedClient> known = lockKnown(h, clientId, mutationId);
        if (known.isPresent()) {
            return known.get();
        }
        insertIfAbsent(h, clientId, actorId);
        return lockKnown(h, clientId, mutationId)
                .orElseThrow(() -> new IllegalStateException("the client row of " + clientId + " vanished"));
    }

    @Override
    public Optional<LockedClient> lockRegisteredClient(Tx tx, String clientId, long mutationId) {
        return lockKnown(tx.handle(Handle.class), clientId, mutationId);
    }

    @Override
    public void register(Tx tx, String clientId, String actorId) {
        insertIfAbsent(tx.handle(Handle.class), clientId, actorId);
    }

    /**
     * A fresh push ({@code :id} above the last id) never reads the journal: the lateral subquery's filter on the
     * client's last id is a one-time filter there ({@code offset 0} keeps the planner from pulling it up into a join
     * filter). A journal index probe would take a SERIALIZABLE push's predicate lock on the index page that the fresh
     * pushes of other clients insert into, and make them fail with serialization errors.
     */
    private static Optional<LockedClient> lockKnown(Handle h, String clientId, long mutationId) {
        return h.createQuery("select c.client_id, c.actor, c.last_mutation_id, j.client_id, j.mutation_id, j.name,"
                        + " j.actor, j.args::text, j.args_hash, j.status, j.result::text, j.error::text"
                        + " from nizhal.clients as c left join lateral (select j.* from nizhal.mutation_journal as j"
                        + " where j.client_id = c.client_id and j.mutation_id = :id and :id <= c.last_mutation_id"
                        + " offset 0) as j on true"
                        + " where c.client_id = :client for update of c")
                .bind("client", clientId)
                .bind("id", mutationId)
                .map((rs, ctx) -> new LockedClient(
                        new ClientRow(rs.getString(1), rs.getString(2), rs.getLong(3)),
                        rs.getString(4) == null
                                ? null
                                : new Entry(
                                        rs.getString(4),
                                        rs.getLong(5),
                                        rs.getString(6),
                                        rs.getString(7),
                                        rs.getString(8),
                                        rs.getString(9),
                                        rs.getString(10),
                                        rs.getString(11),
                                        rs.getString(12))))
                .findOne();
    }

    private static void insertIfAbsent(Handle h, String clientId, String actorId) {
        h.createUpdate("insert into nizhal.clients (client_id, actor) values (:client, :actor)"
                        + " on conflict (client_id) do nothing")
                .bind("client", clientId)
                .bind("actor", actorId)
                .execute();
    }

    @Override
    public Optional<ClientRow> client(Tx tx, String clientId) {
        return tx.handle(Handle.class)
                .createQuery("select client_id, actor, last_mutation_id from nizhal.clients where client_id = :client")
                .bind("client", clientId)
                .map((rs, ctx) -> new ClientRow(rs.getString(1), rs.getString(2), rs.getLong(3)))
                .findOne();
    }

    @Override
    public Optional<Entry> find(Tx tx, String clientId, long mutationId) {
        return tx.handle(Handle.class)
                .createQuery("select " + JournalRows.COLUMNS + " from nizhal.mutation_journal j"
                        + " where j.client_id = :client and j.mutation_id = :id")
                .bind("client", clientId)
                .bind("id", mutationId)
                .map((rs, ctx) -> JournalRows.row(rs).entry())
                .findOne();
    }

    @Override
    public void record(Tx tx, Entry entry) {
        // one statement, one round trip: the entry and the client's last id
        tx.handle(Handle.class)
                .createUpdate("with entry as (insert into nizhal.mutation_journal (client_id, mutation_id, name, actor,"
                        + " args, args_hash, status, result, error) values (:client, :id, :name, :actor,"
                        + " cast(:args as jsonb), :hash, :status, cast(:result as jsonb), cast(:error as jsonb))"
                        + " returning client_id, mutation_id)"
                        + " update nizhal.clients as c set last_mutation_id = greatest(c.last_mutation_id, e.mutation_id)"
                        + " from entry as e where c.client_id = e.client_id")
                .bind("client", entry.clientId())
                .bind("id", entry.mutationId())
                .bind("name", entry.name())
                .bind("actor", entry.actorId())
                .bind("args", entry.argsJson())
                .bind("hash", entry.argsHash())
                .bind("status", entry.status())
                .bind("result", entry.resultJson())
                .bind("error", entry.errorJson())
                .execute();
    }

    /**
     * {@inheritDoc}
     *
     * <p>One statement: the entries as one insert from arrays, and each client's last id advanced to its highest
     * entry.
     */
    @Override
    public void recordAll(Tx tx, List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        if (entries.size() == 1) {
            record(tx, entries.getFirst());
            return;
        }
        tx.handle(Handle.class)
                .createUpdate("with entry as (insert into nizhal.mutation_journal (client_id, mutation_id, name, actor,"
                        + " args, args_hash, status, result, error) select e.client_id, e.mutation_id, e.name, e.actor,"
                        + " cast(e.args as jsonb), e.args_hash, e.status, cast(e.result as jsonb), cast(e.error as jsonb)"
                        + " from unnest(:clients, :ids, :names, :actors, :args, :hashes, :statuses, :results, :errors)"
                        + " as e(client_id, mutation_id, name, actor, args, args_hash, status, result, error)"
                        + " returning client_id, mutation_id)"
                        + " update nizhal.clients as c set last_mutation_id = greatest(c.last_mutation_id, e.last)"
                        + " from (select client_id, max(mutation_id) as last from entry group by client_id) as e"
                        + " where c.client_id = e.client_id")
                .bindArray("clients", String.class, column(entries, Entry::clientId))
                .bindArray("ids", Long.class, column(entries, Entry::mutationId))
                .bindArray("names", String.class, column(entries, Entry::name))
                .bindArray("actors", String.class, column(entries, Entry::actorId))
                .bindArray("args", String.class, column(entries, Entry::argsJson))
                .bindArray("hashes", String.class, column(entries, Entry::argsHash))
                .bindArray("statuses", String.class, column(entries, Entry::status))
                .bindArray("results", String.class, column(entries, Entry::resultJson))
                .bindArray("errors", String.class, column(entries, Entry::errorJson))
                .execute();
    }

    private static <T> List<T> column(List<Entry> entries, Function<Entry, T> part) {
        List<T> column = new ArrayList<>(entries.size());
        entries.forEach(entry -> column.add(part.apply(entry)));
        return column;
    }

    @Override
    public long lastMutationId(Tx tx, String clientId, PgSnapshot upTo) {
        return tx.handle(Handle.class)
                .createQuery("select coalesce(max(mutation_id), 0) from nizhal.mutation_journal"
                        + " where client_id = :client and pg_visible_in_snapshot(txid, cast(:upTo as pg_snapshot))")
                .bind("client", clientId)
                .bind("upTo", upTo.text())
                .mapTo(Long.class)
                .one();
    }
}
