package dev.nizhal.ports.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.ports.out.IdGenerator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The contract of every {@link IdGenerator}: unique, lower-case UUIDv7 text, never going back in time order. An
 * implementation's test extends this class and supplies the generator.
 */
public abstract class IdGeneratorContract {

    /** The setup hook: the implementation under test. */
    protected abstract IdGenerator generator();

    @Test
    void idsAreUniqueLowerCaseVersion7AndTimeOrdered() {
        IdGenerator generator = generator();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            ids.add(generator.newId());
        }

        assertThat(new HashSet<>(ids)).hasSize(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            UUID uuid = UUID.fromString(ids.get(i));
            assertThat(uuid.version()).as(ids.get(i)).isEqualTo(7);
            assertThat(ids.get(i)).isEqualTo(uuid.toString());
            if (i > 0) {
                // the first 48 bits are the time: never lower than the previous id's
                assertThat(ids.get(i).substring(0, 13))
                        .isGreaterThanOrEqualTo(ids.get(i - 1).substring(0, 13));
            }
        }
    }
}
