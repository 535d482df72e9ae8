package dev.nizhal.domain.mutator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.domain.error.SyncErrorCode;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MutatorsTest {

    record AddNote(String id, String body) {}

    record MoveTodo(String id, long listId) {}

    @Test
    void mutatorsAreFoundByNameWithTheirArgsTypeAndIsolation() {
        Mutators mutators =
                Mutators.define(m -> m.mutator("addNote", AddNote.class, (ctx, args) -> MutationResult.of(args.id()))
                        .mutator("moveTodo", MoveTodo.class, (ctx, args) -> MutationResult.empty())
                        .isolation(Isolation.SERIALIZABLE));

        assertThat(mutators.all()).extracting(MutatorDefinition::name).containsExactly("addNote", "moveTodo");
        assertThat(mutators.get("addNote").orElseThrow().isolation()).isEqualTo(Isolation.READ_COMMITTED);
        assertThat(mutators.get("moveTodo").orElseThrow().isolation()).isEqualTo(Isolation.SERIALIZABLE);
        assertThat(mutators.get("moveTodo").orElseThrow().argsType()).isEqualTo(MoveTodo.class);
        assertThat(mutators.get("nothing")).isEmpty();
    }

    @Test
    void duplicateReservedAndMalformedNamesAreRefused() {
        assertThatThrownBy(() -> Mutators.define(m -> m.mutator("a", AddNote.class, (c, a) -> MutationResult.empty())
                        .mutator("a", AddNote.class, (c, a) -> MutationResult.empty())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than once");
        assertThatThrownBy(() ->
                        Mutators.define(m -> m.mutator(Mutators.SKIP, AddNote.class, (c, a) -> MutationResult.empty())))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() ->
                        Mutators.define(m -> m.mutator("add note", AddNote.class, (c, a) -> MutationResult.empty())))
                .hasMessageContaining("must start with a letter");
    }

    @Test
    void aRejectionCarriesItsReasonAndTheOutcomeCode() {
        MutationRejected rejected = MutationRejected.because("LOCKED", "note is locked");

        assertThat(rejected.code()).isEqualTo(SyncErrorCode.MUTATION_REJECTED);
        assertThat(rejected.reason()).isEqualTo("LOCKED");
        assertThat(rejected.getMessage()).isEqualTo("note is locked");
        assertThat(rejected.details()).containsEntry("reason", "LOCKED");
    }

    @Test
    void resultsMergeAffectedBuckets() {
        MutationResult result = MutationResult.of("n1").withAffectedBuckets("b").withAffectedBuckets("a", "b");

        assertThat(result.serverId()).isEqualTo("n1");
        assertThat(result.affectedBuckets()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void uuidV7IsVersion7VariantRfcAndOrderedByTime() {
        byte[] random = new byte[10];
        java.util.Arrays.fill(random, (byte) 0xff);
        String earlier = UuidV7.format(1_700_000_000_000L, random);
        String later = UuidV7.format(1_700_000_000_001L, new byte[10]);

        UUID parsed = UUID.fromString(earlier);
        assertThat(parsed.version()).isEqualTo(7);
        assertThat(parsed.variant()).isEqualTo(2);
        assertThat(earlier).isEqualTo(earlier.toLowerCase()).startsWith("018bcfe5-6800-7");
        assertThat(earlier.compareTo(later)).isNegative();
    }
}
