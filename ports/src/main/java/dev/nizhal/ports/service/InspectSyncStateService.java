package dev.nizhal.ports.service;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.rules.lint.LintFinding;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.ports.in.InspectSyncState;
import dev.nizhal.ports.in.LintRules;
import dev.nizhal.ports.out.OperatorStore;
import dev.nizhal.ports.out.RealtimePresence;
import dev.nizhal.ports.out.RowSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The operators' read-only views, over the operator store, the row source and this instance's realtime streams. */
final class InspectSyncStateService implements InspectSyncState {
    static final int RECENT = 50;

    private final NizhalServices.Config config;
    private final CompiledRules compiled;
    private final LintRules lint;
    private final OperatorStore store;
    private final RealtimePresence presence;

    InspectSyncStateService(NizhalServices.Config config, CompiledRules compiled, LintRules lint) {
        this.config = config;
        this.compiled = compiled;
        this.lint = lint;
        this.store = config.operatorStore();
        this.presence = config.presence();
    }

    @Override
    public Overview overview() {
        try {
            OperatorStore.Stats stats = store.stats();
            boolean current = ReadTransactions.read(
                    config.storage().transactions(),
                    tx -> compiled.planHash()
                            .equals(config.storage().changeLog().meta(tx).planHash()));
            return new Overview(
                    true,
                    current,
                    stats.changeLogRows(),
                    stats.oldestChange(),
                    stats.clients(),
                    stats.journalEntries(),
                    stats.rejectedLastDay(),
                    stats.pushesLastMinute(),
                    stats.pullsLastMinute(),
                    presence.sockets(),
                    presence.lastPoll());
        } catch (RuntimeException e) {
            if (!(e instanceof SyncException s && s.code() == SyncErrorCode.TRANSIENT)
                    && !config.storage().transactions().isTransient(e)) {
                throw e;
            }
            return new Overview(
                    false, false, 0, Optional.empty(), 0, 0, 0, 0, 0, presence.sockets(), presence.lastPoll());
        }
    }

    @Override
    public List<ClientSummary> clients(ClientQuery query) {
        return connected(store.clients(query));
    }

    @Override
    public Optional<ClientDetail> client(String clientId) {
        return store.client(clientId)
                .map(facts -> new ClientDetail(
                        connected(List.of(facts.summary())).getFirst(),
                        facts.createdAt(),
                        facts.positions(),
                        store.pulls(clientId, RECENT),
                        store.journal(new JournalQuery(clientId, null, null, null, null, null, RECENT))));
    }

    private List<ClientSummary> connected(List<ClientSummary> clients) {
        Set<String> sockets = presence.connectedClients();
        return clients.stream()
                .map(c -> new ClientSummary(
                        c.clientId(),
                        c.actor(),
                        c.rules(),
                        c.lastMutationId(),
                        c.lastPullAt(),
                        c.caughtUpAt(),
                        c.changesBehind(),
                        sockets.contains(c.clientId())))
                .toList();
    }

    @Override
    public List<JournalEntry> journal(JournalQuery query) {
        return store.journal(query);
    }

    @Override
    public Optional<JournalEntry> journalEntry(String clientId, long mutationId) {
        return store.journalEntry(clientId, mutationId);
    }

    @Override
    public BucketSearch buckets(String rule, Map<String, String> parameterValues) {
        CompiledRule compiledRule = rule(rule);
        Map<String, Object> filter = new LinkedHashMap<>(parameterValues);
        String filters = config.argsCodec().encode(List.of(filter));
        Set<String> keys = ReadTransactions.read(
                config.storage().transactions(),
                tx -> new TreeSet<>(config.storage().rowSource().requested(tx, compiledRule, filters)));
        List<String> collections = compiledRule.collections().stream()
                .map(CompiledCollection::name)
                .toList();
        List<BucketSummary> found = new ArrayList<>();
        for (BucketSummary summary : store.bucketSummaries(List.copyOf(keys))) {
            found.add(new BucketSummary(summary.bucket(), collections, summary.holders(), summary.changes()));
        }
        return new BucketSearch(rule, found);
    }

    @Override
    public BucketDetail bucket(String bucket, String collection, String afterKey, int limit) {
        String ruleName = bucket.contains("[") ? bucket.substring(0, bucket.indexOf('[')) : bucket;
        CompiledRule compiledRule = rule(ruleName);
        CompiledCollection target = compiledRule
                .collection(collection)
                .orElseThrow(() -> new SyncException(
                        SyncErrorCode.MALFORMED_REQUEST,
                        "the rule '" + ruleName + "' has no collection '" + collection + "'"));
        List<RowSource.Row> rows = ReadTransactions.read(
                config.storage().transactions(),
                tx -> config.storage().rowSource().page(tx, target, bucket, afterKey, Math.clamp(limit, 1, 500)));
        List<Map<String, Object>> shown = new ArrayList<>();
        for (RowSource.Row row : rows) {
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("key", row.key());
            values.putAll(row.values());
            shown.add(values);
        }
        return new BucketDetail(
                bucket, collection, shown, store.changes(bucket, RECENT), store.holders(bucket, RECENT));
    }

    private CompiledRule rule(String name) {
        return compiled.rule(name)
                .orElseThrow(() ->
                        new SyncException(SyncErrorCode.UNKNOWN_SYNC_RULE, "there is no sync rule '" + name + "'"));
    }

    @Override
    public RulesReport rules() {
        List<RuleText> rules = new ArrayList<>();
        for (CompiledRule rule : compiled.rules()) {
            rules.add(new RuleText(
                    rule.name(),
                    rule.params().stream().map(CompiledRules.Param::name).toList(),
                    rule.collections().stream().map(CompiledCollection::name).toList(),
                    describe(rule)));
        }
        List<String> findings = new ArrayList<>();
        for (LintFinding finding : lint.lint().findings()) {
            findings.add(finding.severity() + " " + finding.code() + " (" + finding.rule()
                    + (finding.table() == null ? "" : ", " + finding.table()) + "): " + finding.message());
        }
        return new RulesReport(rules, store.captureTriggers(), findings);
    }

    private static String describe(CompiledRule rule) {
        StringBuilder text = new StringBuilder();
        text.append(rule.global() ? "global: one bucket for everyone\n" : "");
        text.append("parameters: ");
        text.append(
                rule.params().isEmpty()
                        ? "none"
                        : String.join(
                                ", ",
                                rule.params().stream()
                                        .map(p -> p.name() + " " + p.type())
                                        .toList()));
        text.append("\ngrants:\n  ").append(rule.grants().sql().strip().replace("\n", "\n  "));
        for (CompiledCollection c : rule.collections()) {
            text.append("\ncollection ")
                    .append(c.name())
                    .append(" (key ")
                    .append(String.join(", ", c.key()))
                    .append("; columns ")
                    .append(String.join(", ", c.columns()))
                    .append(")");
            text.append("\n  bucket key: ").append(c.bucketKey().sql().strip());
            text.append("\n  rows: ").append(c.rowMatches().sql().strip());
        }
        return text.toString();
    }
}
