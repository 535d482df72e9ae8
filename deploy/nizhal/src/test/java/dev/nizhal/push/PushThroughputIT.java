package dev.nizhal.push;

import static dev.nizhal.push.PushFixture.m;
import static dev.nizhal.push.PushFixture.push;
import static dev.nizhal.push.PushFixture.sql;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.ports.in.PushMutations.Applied;
import java.sql.Connection;
import java.sql.PreparedStatement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A figure, not an assertion: pushes per second of single-mutation transactions against raw JDBC insert
 * transactions into the same table (both through the capture triggers), in the same run; the engine on a small
 * connection pool, the raw inserts on one connection.
 */
@ExtendWith(PostgresExtension.class)
class PushThroughputIT {
    private static final int N = Integer.getInteger("nizhal.test.pushCount", 1_000);

    @Test
    void pushesPerSecondAgainstRawInserts(TestDatabase db) throws Exception {
        sql(db, PushFixture.SCHEMA);
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(db.jdbcUrl());
        pool.setUsername(db.user());
        pool.setPassword(db.password());
        pool.setMaximumPoolSize(2);
        HikariDataSource dataSource = new HikariDataSource(pool);
        Nizhal nizhal = PushFixture.engine(dataSource, null);
        Actor actor = Actor.of("bench");

        long rawStart = System.nanoTime();
        try (Connection c = db.dataSource().getConnection();
                PreparedStatement insert =
                        c.prepareStatement("insert into notes(id, body, owner_id) values (?, ?, ?)")) {
            for (int i = 0; i < N; i++) {
                insert.setString(1, "raw-" + i);
                insert.setString(2, "x");
                insert.setString(3, "bench");
                insert.executeUpdate(); // autocommit: one transaction per insert
            }
        }
        double rawSeconds = (System.nanoTime() - rawStart) / 1e9;

        long pushStart = System.nanoTime();
        for (int i = 1; i <= N; i++) {
            var result = nizhal.push(
                            actor, push("c-bench", m(i, "addNote", "{\"id\": \"p-" + i + "\", \"body\": \"x\"}")))
                    .results()
                    .getFirst();
            assertThat(result).isInstanceOf(Applied.class);
        }
        double pushSeconds = (System.nanoTime() - pushStart) / 1e9;

        dataSource.close();
        System.out.printf(
                "push throughput: %d single-mutation pushes %.0f/s; raw JDBC insert transactions %.0f/s; ratio %.2f%n",
                N, N / pushSeconds, N / rawSeconds, rawSeconds / pushSeconds);
    }
}
