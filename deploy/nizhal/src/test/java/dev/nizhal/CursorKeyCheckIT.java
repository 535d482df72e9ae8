package dev.nizhal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.cursor.CursorCodec;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.fixtures.SeedDatabase;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Instances on one database must sign cursors with one key: the first that checks stores its key's check value, a
 * later one with the same key passes, with another key or none it is refused, and the stored value shows no key.
 */
@ExtendWith(PostgresExtension.class)
class CursorKeyCheckIT {
    private static final byte[] OTHER_KEY =
            Arrays.copyOf("another-cursor-key-0123456789abcdefgh".getBytes(StandardCharsets.UTF_8), 32);

    private static Nizhal engine(TestDatabase db, byte[] key) {
        Nizhal.Builder builder = Nizhal.builder().dataSource(db.dataSource()).syncRules(Fixtures.seedRules());
        if (key != null) {
            builder.cursorKey(key);
        }
        return builder.build();
    }

    private static List<String> stored(TestDatabase db) {
        return db.jdbi()
                .withHandle(h -> h.createQuery("select coalesce(cursor_key_check, 'none') from nizhal.meta")
                        .mapTo(String.class)
                        .list());
    }

    @Test
    void theSameKeyPassesAnotherKeyOrNoneIsRefusedUntilTheStoredKeyIsForgotten(TestDatabase db) {
        SeedDatabase.sql(db, SeedDatabase.SCHEMA);
        Nizhal first = engine(db, SeedDatabase.CURSOR_KEY);
        first.checkCursorKey(); // not migrated yet: nothing to check against, nothing stored
        first.migrate();
        engine(db, null).checkCursorKey(); // a development key passes while none is stored, and stores nothing
        assertThat(stored(db)).containsExactly("none");

        first.checkCursorKey();
        engine(db, SeedDatabase.CURSOR_KEY.clone()).checkCursorKey();

        String check = CursorCodec.keyCheck(SeedDatabase.CURSOR_KEY);
        assertThat(stored(db)).containsExactly(check);
        assertThat(check)
                .doesNotContain(HexFormat.of().formatHex(SeedDatabase.CURSOR_KEY))
                .doesNotContain(Base64.getEncoder().encodeToString(SeedDatabase.CURSOR_KEY));
        assertThatThrownBy(() -> engine(db, OTHER_KEY).checkCursorKey())
                .isInstanceOfSatisfying(
                        CursorKeyMismatchException.class,
                        e -> assertThat(e.keyConfigured()).isTrue())
                .hasMessageStartingWith("the cursor key is not the one the other instances of this database sign with")
                .hasMessageNotContaining(check)
                .hasMessageNotContaining(Base64.getEncoder().encodeToString(OTHER_KEY));
        assertThatThrownBy(() -> engine(db, null).checkCursorKey())
                .isInstanceOfSatisfying(
                        CursorKeyMismatchException.class,
                        e -> assertThat(e.keyConfigured()).isFalse())
                .hasMessageStartingWith("no cursor key is configured");
        assertThat(stored(db)).as("a refused instance stores nothing").containsExactly(check);

        // a change of key: every instance stopped, the stored key forgotten, the new key stored by the first to start
        first.forgetCursorKey();
        engine(db, OTHER_KEY).checkCursorKey();

        assertThat(stored(db)).containsExactly(CursorCodec.keyCheck(OTHER_KEY));
        assertThatThrownBy(first::checkCursorKey).isInstanceOf(CursorKeyMismatchException.class);
    }
}
