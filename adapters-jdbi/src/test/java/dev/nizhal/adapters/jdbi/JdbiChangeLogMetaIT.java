package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.ports.out.ChangeLog;
import java.sql.SQLException;
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
 * installed", then "nothing installed" again.
 */
@ExtendWith(PostgresExtension.class)
class JdbiChangeLogMetaIT {

    @Test
    void readsTheMetaWithoutAskingForTheSchemaOnceItWasFoundAndAsksAgainAfterADrop(TestDatabase database) {
        Jdbi jdbi = database.jdbi();
        List<String> statements = new ArrayList<>();
        jdbi.setSqlLogger(new SqlLogger() {
            @Override
            public void logAfterExecution(StatementContext context) {
                statements.add(context.getRawSql());
            }
        });
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

    /** The meta read in a read transaction, with the statements it made (the transaction's own left out). */
    private static ChangeLog.Meta meta(
            JdbiTransactions transactions, JdbiChangeLog changeLog, List<String> statements) {
        return transactions.inReadTransaction(tx -> {
            statements.clear();
            return changeLog.meta(tx);
        });
    }
}
