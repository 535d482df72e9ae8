package dev.nizhal.ports.service;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.ports.in.WatchChanges;
import dev.nizhal.ports.out.ChangeLog;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.Transactions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The realtime stream's reads: a socket's keys, and the poller's commits. Writes nothing. */
final class WatchChangesService implements WatchChanges {
    /** The (transaction, key) pairs one poll reads at most; beyond it every socket is poked. */
    static final int MAX_COMMITS = 10_000;

    private final NizhalServices.Config config;
    private final CompiledRules compiled;
    private final ActorGrants grants;

    WatchChangesService(NizhalServices.Config config, CompiledRules compiled, ActorGrants grants) {
        this.config = config;
        this.compiled = compiled;
        this.grants = grants;
    }

    @Override
    public Watch watch(Actor actor, String syncRule, String bucketsFilterJson) {
        StorableActor.require(actor);
        CompiledRule rule = compiled.rule(syncRule)
                .orElseThrow(() ->
                        new SyncException(SyncErrorCode.UNKNOWN_SYNC_RULE, "there is no sync rule '" + syncRule + "'"));
        return read(tx -> {
            if (!compiled.planHash()
                    .equals(config.storage().changeLog().meta(tx).planHash())) {
                throw new SyncException(
                        SyncErrorCode.TRANSIENT,
                        "the server's sync rules are not installed in the database yet; retry after migration");
            }
            RowSource rows = config.storage().rowSource();
            Set<String> buckets = new TreeSet<>(grants.of(tx, rows, rule, actor));
            if (bucketsFilterJson != null) {
                buckets.retainAll(rows.requested(tx, rule, bucketsFilterJson));
            }
            for (CompiledCollection c : rule.collections()) {
                buckets.add(ChangeLog.truncateBucket(c.name()));
            }
            return new Watch(rule.name(), buckets, rows.grantKeys(tx, rule, actor));
        });
    }

    @Override
    public Commits commitsAfter(PgSnapshot after) {
        ChangeLog log = config.storage().changeLog();
        return read(tx -> {
            PgSnapshot now = log.currentSnapshot(tx);
            if (after == null) {
                return new Commits(now, Map.of(), false);
            }
            Map<Long, Set<String>> keys = new HashMap<>();
            List<ChangeLog.Commit> commits = log.committed(tx, after, now, MAX_COMMITS);
            for (ChangeLog.Commit c : commits) {
                keys.computeIfAbsent(c.txid(), t -> new TreeSet<>()).add(c.bucket());
            }
            return new Commits(now, keys, commits.size() >= MAX_COMMITS);
        });
    }

    private <T> T read(Transactions.Work<T> work) {
        return ReadTransactions.read(config.storage().transactions(), work);
    }
}
