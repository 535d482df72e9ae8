package dev.nizhal.adapters.jdbi;

import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.ports.out.MutationJournal;
import dev.nizhal.ports.out.Tx;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** {@code nizhal.clients} and {@code nizhal.mutation_journal}, written in the caller's transaction. */
public final class JdbiMutationJournal implements MutationJournal {

    @Override
    public ClientRow lockClient(Tx tx, String clientId, String actorId) {
        Handle h = tx.handle(Handle.class);
        // insert-if-absent, then lock: two first pushes of a new client never meet a unique violation
        h.createUpdate("insert into nizhal.clients (client_id, actor) values (:client, :actor)"
                        + " on conflict (client_id) do nothing")
                .bind("client", clientId)
                .bind("actor", actorId)
                .execute();
        return h.createQuery("select client_id, actor, last_mutation_id from nizhal.clients"
                        + " where client_id = :client for update")
                .bind("client", clientId)
                .map((rs, ctx) -> new ClientRow(rs.getString(1), rs.getString(2), rs.getLong(3)))
                .one();
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
        Handle h = tx.handle(Handle.class);
        h.createUpdate("insert into nizhal.mutation_journal (client_id, mutation_id, name, actor, args, args_hash,"
                        + " status, result, error) values (:client, :id, :name, :actor, cast(:args as jsonb),"
                        + " :hash, :status, cast(:result as jsonb), cast(:error as jsonb))")
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
        h.createUpdate("update nizhal.clients set last_mutation_id = greatest(last_mutation_id, :id)"
                        + " where client_id = :client")
                .bind("client", entry.clientId())
                .bind("id", entry.mutationId())
                .execute();
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
