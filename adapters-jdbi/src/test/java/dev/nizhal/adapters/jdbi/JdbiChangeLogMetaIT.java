package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.ports.out.ChangeLog;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link JdbiChangeLog#meta}: nothing installed before the first migrate, the installed meta after it without asking
 * whether the schema exists on every read, and once the schema is dropped under it a read that fails as TRANSIENT "not
 * installed", then "nothing installed" again; {@link JdbiChangeLog#metaAndSnapshot} as the two reads it joins.
 */
@ExtendWith(PostgresExtension.class)
class JdbiChangeLogMetaIT {

    @Test
    void readsTheMetaWithoutAskingForTheSchemaOnceItWasFoundAndAsksAgainAfterADrop(TestDatabase database) {
        Jdbi jdbi = database.jdbi();
        List<String> statements = logged(jdbi);
        JdbiTransactions transactions = new JdbiTransactions(jdbi);
        JdbiChangeLog changeLog = new JdbiChangeLog();

        assertThat(meta(transactions, changeLog, statements)).isEqualTo(new ChangeLog.Meta(null, null, null));

        new NizhalSchemaMigration(database.dataSource()).migrate();
        ChangeLog.Meta installed = meta(transactions, changeLog, statements);
        assertThat(installed.identity()).isNotBlank();
        assertThat(statements).hasSize(2).first().asString().contains("to_regclass");

        assertThat(meta(transactions, changeLog, statements)).isEqualTo(installed);
        assertThat(statements).hasSize(1).first().asString().contains("from nizhal.meta");

        jdbi.useHandle(h -> h.execute("drop schema nizhal cascade"));
        assertThatThrownBy(() -> meta(transactions, changeLog, statements)).hasRootCauseInstanceOf(SQLException.class);
        assertThat(meta(transactions, changeLog, statements)).isEqualTo(new ChangeLog.Meta(null, null, null));

        new NizhalSchemaMigration(database.dataSource()).migrate();
        ChangeLog.Meta again = meta(transactions, changeLog, statements);
        assertThat(again.identity()).isNotBlank().isNotEqualTo(installed.identity());
    }

    @Test
    void readsTheMetaAndTheSnapshotInOneStatementAsTheSeparateReadsWouldInTheSameTransaction(TestDatabase database) {
        Jdbi jdbi = database.jdbi();
        List<String> statements = logged(jdbi);
        JdbiTransactions transactions = new JdbiTransactions(jdbi);
        JdbiChangeLog changeLog = new JdbiChangeLog();

        // before the first migrate (the database may be another test's): nothing installed, and the snapshot
        jdbi.useHandle(h -> h.execute("drop schema if exists nizhal cascade"));
        transactions.inReadTransaction(tx -> {
            ChangeLog.MetaAndSnapshot start = changeLog.metaAndSnapshot(tx);
            assertThat(start.meta()).isEqualTo(new ChangeLog.Meta(null, null, null));
            assertThat(start.snapshot()).isEqualTo(changeLog.currentSnapshot(tx));
            return null;
        });

        new NizhalSchemaMigration(database.dataSource()).migrate();
        transactions.inReadTransaction(tx -> {
            statements.clear();
            ChangeLog.MetaAndSnapshot start = changeLog.metaAndSnapshot(tx);
            assertThat(start.meta().identity()).isNotBlank();
            assertThat(start.snapshot()).isEqualTo(changeLog.currentSnapshot(tx));
            assertThat(start.meta()).isEqualTo(changeLog.meta(tx));
            return null;
        });
        // the first read after the migrate asked for the schema; the next one is a single statement
        jdbi.useHandle(
                h -> h.execute("create table if not exists other_writes(id int); insert into other_writes values (1)"));
        transactions.inReadTransaction(tx -> {
            statements.clear();
            ChangeLog.MetaAndSnapshot start = changeLog.metaAndSnapshot(tx);
            assertThat(statements).hasSize(1).first().asString().contains("pg_current_snapshot");
            // a commit after the statement is not in the transaction's snapshot, read with the meta or alone
            commitElsewhere(database, "insert into other_writes values (2)");
            assertThat(changeLog.currentSnapshot(tx)).isEqualTo(start.snapshot());
            return null;
        });
    }

    /** The statements {@code jdbi} executes from now on, as they are added. */
    private static List<String> logged(Jdbi jdbi) {
        List<String> statements = new ArrayList<>();
        jdbi.setSqlLogger(new SqlLogger() {
            @Override
            public void logAfterExecution(StatementContext context) {
                statements.add(context.getRawSql());
            }
        });
        return statements;
    }

    /** {@code sql} committed on a connection of its own (a handle here would be the open transaction's). */
    private static void commitElsewhere(TestDatabase database, String sql) {
        try (Connection connection = database.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The meta read in a read transaction, with the statements it made (the transaction's own left out). */
    private static ChangeLog.Meta meta(
            JdbiTransactions transactions, JdbiChangeLog changeLog, List<String> statements) {
        return transactions.inReadTransaction(tx -> {
            statements.clear();
            return changeLog.meta(tx);
        });
    }
}
