package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jdbi.v3.core.transaction.TransactionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.ds.PGSimpleDataSource;

class JdbiTransactionsTest {

    // never connects: isTransient only looks at exceptions
    private final JdbiTransactions transactions = new JdbiTransactions(Jdbi.create(new PGSimpleDataSource()));

    @ParameterizedTest
    @ValueSource(strings = {"40001", "40P01", "40000", "08000", "08003", "08006", "57P01"})
    void transientStates(String sqlState) {
        assertThat(transactions.isTransient(new SQLException("failed", sqlState)))
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"23505", "23503", "42601", "25006", "57014", "57P02", "P0001", "XX000"})
    void otherStatesAreNotTransient(String sqlState) {
        assertThat(transactions.isTransient(new SQLException("failed", sqlState)))
                .isFalse();
    }

    @Test
    void noSqlStateIsNotTransient() {
        assertThat(transactions.isTransient(new SQLException("no state"))).isFalse();
        assertThat(transactions.isTransient(new IllegalStateException("not SQL")))
                .isFalse();
    }

    @Test
    void noConnectionAtAllIsTransientWhateverItsState() {
        // a pool that timed out, was closed or cannot reach the database: the request may simply be retried
        assertThat(transactions.isTransient(new SQLTransientConnectionException("no state")))
                .isTrue();
        assertThat(transactions.isTransient(new ConnectionException(new SQLException("pool closed"))))
                .isTrue();
    }

    @Test
    void findsTheStateThroughJdbiWrappers() {
        SQLException deadlock = new SQLException("deadlock detected", "40P01");

        assertThat(transactions.isTransient(new UnableToExecuteStatementException(deadlock, null)))
                .isTrue();
        assertThat(transactions.isTransient(new ConnectionException(new SQLException("refused", "08001"))))
                .isTrue();
        assertThat(transactions.isTransient(
                        new TransactionException("commit failed", new RuntimeException("mutator", deadlock))))
                .isTrue();
        assertThat(transactions.isTransient(
                        new UnableToExecuteStatementException(new SQLException("dup", "23505"), null)))
                .isFalse();
    }

    @Test
    void findsTheStateInTheNextExceptionsAndTheirCauses() {
        SQLException batch = new SQLException("batch entry 3 failed", "23505");
        SQLException next = new SQLException("batch aborted");
        next.initCause(new SQLException("serialization failure", "40001"));
        batch.setNextException(new SQLException("another", "22001"));
        batch.getNextException().setNextException(next);

        assertThat(transactions.isTransient(new RuntimeException(batch))).isTrue();
    }

    @Test
    void aCauseCycleEnds() {
        RuntimeException first = new RuntimeException("first");
        RuntimeException second = new RuntimeException("second", first);
        first.initCause(second);

        assertThat(transactions.isTransient(first)).isFalse();
    }
}
