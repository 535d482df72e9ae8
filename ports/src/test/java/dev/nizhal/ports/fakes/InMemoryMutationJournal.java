package dev.nizhal.ports.fakes;

import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.ports.out.MutationJournal;
import dev.nizhal.ports.out.Tx;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** A single-threaded journal in maps: binding, outcomes and last ids, without locking or snapshots. */
public final class InMemoryMutationJournal implements MutationJournal {
    private final Map<String, ClientRow> clients = new HashMap<>();
    private final Map<String, Entry> entries = new HashMap<>();

    @Override
    public ClientRow lockClient(Tx tx, String clientId, String actorId) {
        return clients.computeIfAbsent(clientId, id -> new ClientRow(id, actorId, 0));
    }

    @Override
    public Optional<Entry> find(Tx tx, String clientId, long mutationId) {
        return Optional.ofNullable(entries.get(clientId + "#" + mutationId));
    }

    @Override
    public void record(Tx tx, Entry entry) {
        ClientRow client = clients.get(entry.clientId());
        if (client == null) {
            throw new IllegalStateException("lock the client before recording: " + entry.clientId());
        }
        if (entries.putIfAbsent(entry.clientId() + "#" + entry.mutationId(), entry) != null) {
            throw new IllegalStateException("mutation recorded twice: " + entry.mutationId());
        }
        clients.put(
                client.clientId(),
                new ClientRow(
                        client.clientId(), client.actorId(), Math.max(client.lastMutationId(), entry.mutationId())));
    }

    @Override
    public Optional<ClientRow> client(Tx tx, String clientId) {
        return Optional.ofNullable(clients.get(clientId));
    }

    /** Every recorded mutation counts as visible: the fake has no snapshots. */
    @Override
    public long lastMutationId(Tx tx, String clientId, PgSnapshot upTo) {
        ClientRow client = clients.get(clientId);
        return client == null ? 0 : client.lastMutationId();
    }
}
