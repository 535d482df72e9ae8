package dev.nizhal.faults;

import dev.nizhal.domain.mutator.MutationRejected;
import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.server.NizhalApp;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The app every fault runs (as {@code nizhal serve --app dev.nizhal.faults.FaultApp}): its mutators make a double
 * apply visible. {@code increment} adds to a counter that no key protects ({@code value = value + by}), {@code append}
 * inserts a row under a fresh id; both also write one line per run into {@code fault_applied}, in the mutation's own
 * transaction, so that a mutation run twice leaves two lines and a lost one none.
 *
 * <p>Two rules: {@code mine} (a bucket per actor: the rows the actor owns) and {@code teams} (a bucket per team the
 * actor is a member of: the rows of that team). Memberships are fixed by {@link #TEAMS} for the whole run, so the
 * grants an actor has are known to the test without asking the database ({@link #grantedBuckets}).
 */
public final class FaultApp implements NizhalApp {

    /** The actors and the teams they belong to (fixed; written by {@link #prepare}). */
    public static final Map<String, List<String>> TEAMS = Map.of(
            "u1", List.of("t1"),
            "u2", List.of("t1", "t2"),
            "u3", List.of("t2"),
            "u4", List.of("t3"));

    /** A team nobody belongs to: a mutation naming it is rejected ({@code NOT_A_MEMBER}). */
    public static final String FOREIGN_TEAM = "t-nobody";

    static final String RULE_MINE = "mine";
    static final String RULE_TEAMS = "teams";
    static final List<String> RULES = List.of(RULE_MINE, RULE_TEAMS);
    static final String COUNTERS = "fault_counters";
    static final String ENTRIES = "fault_entries";

    /** Adds {@code by} (positive) to counter {@code id}, created for the actor in {@code teamId} on first use. */
    public record Increment(String id, String teamId, long by) {}

    /** Appends a row to the actor's entries in {@code teamId}, under an id the server makes. */
    public record Append(String teamId, String body) {}

    @Override
    public SyncRules rules() {
        return SyncRules.define(b -> b.rule(
                        RULE_MINE,
                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                .data(bucket -> List.of(
                                        b.table(COUNTERS)
                                                .columns("id", "owner_id", "team_id", "value")
                                                .where(b.eq("owner_id", bucket.param("ownerId"))),
                                        b.table(ENTRIES)
                                                .columns(
                                                        "id", "owner_id", "team_id", "client_id", "mutation_id", "body")
                                                .where(b.eq("owner_id", bucket.param("ownerId"))))))
                .rule(
                        RULE_TEAMS,
                        r -> r.parameters(p -> p.fromQuery(
                                        "teamId",
                                        b.table("fault_team_members")
                                                .select("team_id")
                                                .where(b.eq("user_id", p.actorId()))))
                                .data(bucket -> List.of(
                                        b.table(COUNTERS)
                                                .columns("id", "owner_id", "team_id", "value")
                                                .where(b.eq("team_id", bucket.param("teamId"))),
                                        b.table(ENTRIES)
                                                .columns(
                                                        "id", "owner_id", "team_id", "client_id", "mutation_id", "body")
                                                .where(b.eq("team_id", bucket.param("teamId")))))));
    }

    @Override
    public Mutators mutators() {
        return Mutators.define(m -> m.mutator("increment", Increment.class, (ctx, args) -> {
                    Handle h = ctx.tx(Handle.class);
                    requireMember(h, args.teamId(), ctx.actor().id());
                    if (args.by() <= 0) {
                        throw MutationRejected.because("NOT_POSITIVE", "a counter only goes up");
                    }
                    h.createUpdate(
                                    "insert into fault_counters(id, owner_id, team_id, value) values (:id, :owner, :team,"
                                            + " :by) on conflict (id) do update set value = fault_counters.value + excluded.value")
                            .bind("id", args.id())
                            .bind("owner", ctx.actor().id())
                            .bind("team", args.teamId())
                            .bind("by", args.by())
                            .execute();
                    logRun(h, ctx.clientId(), ctx.mutationId(), "increment");
                    return MutationResult.of(args.id());
                })
                .mutator("append", Append.class, (ctx, args) -> {
                    Handle h = ctx.tx(Handle.class);
                    requireMember(h, args.teamId(), ctx.actor().id());
                    String id = ctx.newId();
                    h.createUpdate("insert into fault_entries(id, owner_id, team_id, client_id, mutation_id, body)"
                                    + " values (:id, :owner, :team, :client, :mutation, :body)")
                            .bind("id", id)
                            .bind("owner", ctx.actor().id())
                            .bind("team", args.teamId())
                            .bind("client", ctx.clientId())
                            .bind("mutation", ctx.mutationId())
                            .bind("body", args.body())
                            .execute();
                    logRun(h, ctx.clientId(), ctx.mutationId(), "append");
                    return MutationResult.of(id);
                }));
    }

    private static void requireMember(Handle h, String teamId, String actor) {
        boolean member = h.createQuery(
                        "select exists(select 1 from fault_team_members where team_id = :team and user_id = :actor)")
                .bind("team", teamId)
                .bind("actor", actor)
                .mapTo(Boolean.class)
                .one();
        if (!member) {
            throw MutationRejected.because("NOT_A_MEMBER", "you are not a member of this team");
        }
    }

    /** One line per run of a mutator body: no key, so a second run of the same mutation shows as a second line. */
    private static void logRun(Handle h, String clientId, long mutationId, String name) {
        h.createUpdate("insert into fault_applied(client_id, mutation_id, name) values (:client, :mutation, :name)")
                .bind("client", clientId)
                .bind("mutation", mutationId)
                .bind("name", name)
                .execute();
    }

    @Override
    public void prepare(DataSource dataSource) {
        Jdbi.create(dataSource).useHandle(h -> {
            h.execute("create table if not exists fault_team_members(team_id text not null, user_id text not null,"
                    + " primary key (team_id, user_id))");
            h.execute("create table if not exists fault_counters(id text primary key, owner_id text not null,"
                    + " team_id text not null, value bigint not null)");
            h.execute(
                    "create table if not exists fault_entries(id text primary key, owner_id text not null,"
                            + " team_id text not null, client_id text not null, mutation_id bigint not null, body text not null)");
            // deliberately no key on (client_id, mutation_id): a second run must show, not fail
            h.execute("create table if not exists fault_applied(seq bigint generated always as identity primary key,"
                    + " client_id text not null, mutation_id bigint not null, name text not null)");
            TEAMS.forEach((user, teams) -> teams.forEach(team -> h.createUpdate(
                            "insert into fault_team_members(team_id, user_id) values (:team, :user) on conflict do"
                                    + " nothing")
                    .bind("team", team)
                    .bind("user", user)
                    .execute()));
        });
    }

    /** The bucket keys {@code actor} is granted in {@code rule} (memberships are fixed). */
    static List<String> grantedBuckets(String rule, String actor) {
        return switch (rule) {
            case RULE_MINE -> List.of(bucketKey(RULE_MINE, actor));
            case RULE_TEAMS ->
                TEAMS.getOrDefault(actor, List.of()).stream()
                        .map(team -> bucketKey(RULE_TEAMS, team))
                        .toList();
            default -> throw new IllegalArgumentException("no rule " + rule);
        };
    }

    /** The bucket a row of the rule belongs to: by its owner in {@code mine}, by its team in {@code teams}. */
    static String bucketOf(String rule, String ownerId, String teamId) {
        return switch (rule) {
            case RULE_MINE -> bucketKey(RULE_MINE, ownerId);
            case RULE_TEAMS -> bucketKey(RULE_TEAMS, teamId);
            default -> throw new IllegalArgumentException("no rule " + rule);
        };
    }

    /** The protocol's bucket key of a one-text-parameter rule, e.g. {@code mine["u1"]}. */
    static String bucketKey(String rule, String param) {
        return rule + "[\"" + param + "\"]";
    }

    /**
     * The oracle: the rows of {@code collection} that {@code rule} serves {@code actor}, selected by the rule's own
     * predicate (owner, or team membership), as JSON text of the rule's columns.
     */
    static String oracleSql(String rule, String collection) {
        String columns = collection.equals(COUNTERS)
                ? "'id', id, 'owner_id', owner_id, 'team_id', team_id, 'value', value"
                : "'id', id, 'owner_id', owner_id, 'team_id', team_id, 'client_id', client_id,"
                        + " 'mutation_id', mutation_id, 'body', body";
        String where = rule.equals(RULE_MINE)
                ? "owner_id = :actor"
                : "team_id in (select team_id from fault_team_members where user_id = :actor)";
        return "select id, jsonb_build_object(" + columns + ")::text from " + collection + " where " + where;
    }
}
