package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.domain.sql.SqlFragment;
import dev.nizhal.ports.contract.RowSourceContract;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.SchemaCatalog;
import dev.nizhal.ports.out.Transactions;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The row-source kit on PostgreSQL, on connections whose session time zone is not UTC (as a pool of an application
 * in India would hand them out), plus the claims JSON and the binding of compiled parameters.
 */
@ExtendWith(PostgresExtension.class)
class JdbiRowSourceIT extends RowSourceContract {

    private static Jdbi jdbi;

    @BeforeAll
    static void connectInAnotherTimeZone(TestDatabase database) {
        jdbi = Jdbi.create(() -> {
            Connection connection = database.dataSource().getConnection();
            try (Statement statement = connection.createStatement()) {
                statement.execute("set TimeZone = 'Asia/Kolkata'");
            }
            return connection;
        });
    }

    @Override
    protected Setup setup() {
        return new JdbiSetup(jdbi);
    }

    /** The kit's setup on one {@link Jdbi}; the binary-transfer run uses it too. */
    record JdbiSetup(Jdbi jdbi) implements Setup {
        @Override
        public RowSource rowSource() {
            return new JdbiRowSource();
        }

        @Override
        public Transactions transactions() {
            return new JdbiTransactions(jdbi);
        }

        @Override
        public SchemaCatalog schemaCatalog() {
            return new JdbiSchemaCatalog(jdbi);
        }

        @Override
        public void execute(String... statements) {
            jdbi.useTransaction(handle -> {
                for (String statement : statements) {
                    handle.execute(statement);
                }
            });
        }
    }

    @Test
    void theClaimsObjectKeepsEachScalarsJsonTypeAndLeavesOutTheRest() {
        Map<String, Object> claims = Map.ofEntries(
                Map.entry("s", "say \"hi\""),
                Map.entry("n", 42),
                Map.entry("l", 9007199254740993L),
                Map.entry("bi", new BigInteger("123456789012345678901234567890")),
                Map.entry("bd", new BigDecimal("1.50")),
                Map.entry("d", 0.1d),
                Map.entry("f", 2.5f),
                Map.entry("t", true),
                Map.entry("numeric text", "42"),
                Map.entry("list", List.of("a")),
                Map.entry("object", Map.of("a", 1)),
                Map.entry("nan", Double.NaN));

        String json = jdbi.withHandle(handle -> JdbiRowSource.claimsJson(handle, claims));

        // jsonb's own text: keys by length, then bytes
        assertThat(json)
                .isEqualTo("{\"d\": 0.1, \"f\": 2.5, \"l\": 9007199254740993, \"n\": 42, \"s\": \"say \\\"hi\\\"\","
                        + " \"t\": true, \"bd\": 1.50, \"bi\": 123456789012345678901234567890,"
                        + " \"numeric text\": \"42\"}");
        String empty = jdbi.withHandle(handle -> JdbiRowSource.claimsJson(handle, Map.of()));
        assertThat(empty).isEqualTo("{}");
    }

    @Test
    void aCompiledParameterThatIsNeitherAConstantNorSuppliedFails() {
        CompiledRule rule = new CompiledRule(
                "odd",
                true,
                List.of(),
                List.of(),
                SqlFragment.of("select cast(:surprise as text) as bucket"),
                SqlFragment.of("select 'odd[]' as bucket"),
                SqlFragment.of("select cast(null as text) as bucket where false"),
                false);

        assertThatThrownBy(() -> new JdbiTransactions(jdbi)
                        .inReadTransaction(tx -> new JdbiRowSource().grants(tx, rule, Actor.of("u1"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(":surprise");
    }

    @Test
    void onlyTheRuntimeParametersACompiledFragmentNamesAreBound() {
        // no :actor_id, no :claims; a cast with '::' and a quoted ':x' are not parameters
        CompiledRule rule = new CompiledRule(
                "plain",
                true,
                List.of(),
                List.of(),
                new SqlFragment(
                        "select 'plain[' || cast(:r0_c0 as text)::text || ':x]' as bucket", Map.of("r0_c0", "1")),
                SqlFragment.of("select 'plain[]' as bucket"),
                SqlFragment.of("select cast(null as text) as bucket where false"),
                false);

        Set<String> granted = new JdbiTransactions(jdbi)
                .inReadTransaction(tx -> new JdbiRowSource().grants(tx, rule, Actor.of("u1")));

        assertThat(granted).containsExactly("plain[1:x]");
    }
}
