package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.ports.contract.RowSourceContract;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGResultSetMetaData;

/**
 * The row-source kit again with the driver receiving values in binary form from the first execution
 * ({@code prepareThreshold=-1}): a reused prepared statement switches to it in production, and the encodings must
 * not change with it. The session time zone is one west of UTC this time.
 */
@ExtendWith(PostgresExtension.class)
class JdbiRowSourceBinaryTransferIT extends RowSourceContract {

    private static Jdbi jdbi;

    @BeforeAll
    static void connectWithBinaryTransfer(TestDatabase database) {
        Properties properties = new Properties();
        properties.setProperty("user", database.user());
        properties.setProperty("password", database.password());
        properties.setProperty("prepareThreshold", "-1");
        jdbi = Jdbi.create(() -> {
            Connection connection = DriverManager.getConnection(database.jdbcUrl(), properties);
            try (Statement statement = connection.createStatement()) {
                statement.execute("set TimeZone = 'America/New_York'");
            }
            return connection;
        });
    }

    @Override
    protected Setup setup() {
        return new JdbiRowSourceIT.JdbiSetup(jdbi);
    }

    @Test
    void theDriverReallyReceivesTheseValuesInBinaryForm() {
        List<String> formats = jdbi.withHandle(handle -> handle.createQuery("""
                        select 1::int4, 2::int8, 1.5::float8, 1.5::numeric, now(), current_date,
                               '\\x00'::bytea, gen_random_uuid(), '{1}'::int4[], 'a'::text
                        """)
                .map((rs, ctx) -> {
                    PGResultSetMetaData meta = rs.getMetaData().unwrap(PGResultSetMetaData.class);
                    List<String> binary = new ArrayList<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        binary.add(rs.getMetaData().getColumnTypeName(i) + "=" + meta.getFormat(i));
                    }
                    return binary;
                })
                .one());

        // 1 is binary; text stays text (the driver has nothing to gain)
        assertThat(formats)
                .containsExactly(
                        "int4=1",
                        "int8=1",
                        "float8=1",
                        "numeric=1",
                        "timestamptz=1",
                        "date=1",
                        "bytea=1",
                        "uuid=1",
                        "_int4=1",
                        "text=0");
    }
}
