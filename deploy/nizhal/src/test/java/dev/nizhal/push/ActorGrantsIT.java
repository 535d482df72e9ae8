package dev.nizhal.push;

import static dev.nizhal.push.PushFixture.m;
import static dev.nizhal.push.PushFixture.push;
import static dev.nizhal.push.PushFixture.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.ports.in.PullChanges.PullRequest;
import dev.nizhal.ports.in.PushMutations.Applied;
import dev.nizhal.ports.in.PushMutations.MutationOutcome;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An actor's grants under a rule whose parameters come from the actor only ({@code myNotes}) are read once and
 * remembered (ActorGrants); under a rule with a parameter query ({@code sharedLists}) they are read at every push,
 * so a membership change shows at once. Statements are counted on the engine's connections.
 */
@ExtendWith(PostgresExtension.class)
class ActorGrantsIT {
    private static final Actor ALICE = Actor.of("alice");
    private static final String TODO = "00000000-0000-0000-0000-000000000077";
    private static final List<String> STATEMENTS = new CopyOnWriteArrayList<>();
    private static TestDatabase db;
    private static Nizhal nizhal;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        sql(db, PushFixture.SCHEMA_WITHOUT_DEFERRABLE);
        PushFixture.aliceListWithTodo(db, TODO);
        nizhal = PushFixture.engine(recording(db.dataSource()), null);
    }

    @BeforeEach
    void forgetStatements() {
        STATEMENTS.clear();
    }

    @Test
    void theGrantsOfAnActorOnlyRuleAreReadOnceForAnActorAndServeItsLaterPushesAndPulls() {
        List<MutationOutcome> first = nizhal.push(
                        ALICE, push("c-once", m(1, "addNote", "{\"id\": \"once-1\", \"body\": \"one\"}")))
                .results();
        List<MutationOutcome> second = nizhal.push(
                        ALICE, push("c-once", m(2, "addNote", "{\"id\": \"once-2\", \"body\": \"two\"}")))
                .results();
        nizhal.pull(ALICE, new PullRequest("myNotes", "c-once", null, null, List.of(), 100));
        Actor otherClaims = new Actor("alice", Map.of("sub", "alice", "tenant", "t1"));
        List<MutationOutcome> withClaims = nizhal.push(
                        otherClaims, push("c-claims", m(1, "addNote", "{\"id\": \"once-3\", \"body\": \"three\"}")))
                .results();

        assertThat(first).containsExactly(new Applied(1, "once-1", List.of("myNotes[\"alice\"]"), false));
        assertThat(second).containsExactly(new Applied(2, "once-2", List.of("myNotes[\"alice\"]"), false));
        assertThat(withClaims).containsExactly(new Applied(1, "once-3", List.of("myNotes[\"alice\"]"), false));
        // read for alice once, and once more for the same id with other claims (a claim may be a parameter)
        assertThat(grantReads("myNotes")).isEqualTo(2);
    }

    @Test
    void theGrantsOfARuleWithAParameterQueryAreReadAtEveryPushAndFollowItsTable() {
        List<MutationOutcome> member = nizhal.push(
                        ALICE, push("c-member", m(1, "increment", "{\"id\": \"" + TODO + "\"}")))
                .results();
        sql(db, "delete from list_members where list_id = 7 and user_id = 'alice'");
        List<MutationOutcome> notAMember = nizhal.push(
                        ALICE, push("c-member", m(2, "increment", "{\"id\": \"" + TODO + "\"}")))
                .results();

        assertThat(member).containsExactly(new Applied(1, null, List.of("sharedLists[7]"), false));
        assertThat(notAMember).containsExactly(new Applied(2, null, List.of(), false));
        assertThat(grantReads("sharedLists")).isEqualTo(2);
    }

    /** How many statements read the grants of {@code rule} (its compiled grants select {@code g.bucket}). */
    private static long grantReads(String rule) {
        return STATEMENTS.stream()
                .filter(sql -> sql.contains("'" + rule + "['") && sql.contains("g.bucket"))
                .count();
    }

    /** {@code dataSource}, recording the text of every statement prepared on its connections. */
    private static DataSource recording(DataSource dataSource) {
        return (DataSource) Proxy.newProxyInstance(
                ActorGrantsIT.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    Object result = invoke(dataSource, method, args);
                    return result instanceof Connection connection ? recording(connection) : result;
                });
    }

    private static Connection recording(Connection connection) {
        return (Connection) Proxy.newProxyInstance(
                ActorGrantsIT.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().startsWith("prepare") && args != null && args[0] instanceof String sql) {
                        STATEMENTS.add(sql);
                    }
                    return invoke(connection, method, args);
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
