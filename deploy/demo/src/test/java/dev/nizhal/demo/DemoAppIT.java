package dev.nizhal.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.ports.in.PullChanges.PullRequest;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.in.PullChanges.Upsert;
import dev.nizhal.ports.in.PushMutations.Applied;
import dev.nizhal.ports.in.PushMutations.MutationOutcome;
import dev.nizhal.ports.in.PushMutations.MutationRequest;
import dev.nizhal.ports.in.PushMutations.PushRequest;
import dev.nizhal.ports.in.PushMutations.Rejected;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The demo's apps through the engine: mutators authorize by actor, and pulls show each actor its own rows. */
@ExtendWith(PostgresExtension.class)
class DemoAppIT {
    private static final Actor ALICE = Actor.of("alice");
    private static final Actor BOB = Actor.of("bob");
    private static Nizhal nizhal;
    private static final Map<String, Long> NEXT_ID = new HashMap<>();

    @BeforeAll
    static void setUp(TestDatabase db) {
        DemoApp.createSchema(db.dataSource());
        DemoApp.createSchema(db.dataSource()); // safe to re-run
        nizhal = Nizhal.builder()
                .dataSource(db.dataSource())
                .syncRules(DemoApp.rules())
                .mutators(DemoApp.mutators())
                .argsCodec(new JacksonArgsCodec())
                .cursorKey(new byte[32])
                .build();
        nizhal.migrate();
        assertThat(nizhal.lint().errors()).isEmpty();
    }

    private static MutationOutcome push(Actor actor, String name, String args) {
        String client = "c-" + actor.id();
        long id = NEXT_ID.merge(client, 1L, Long::sum);
        return nizhal.push(actor, new PushRequest(client, List.of(new MutationRequest(id, name, args))))
                .results()
                .getFirst();
    }

    private static Set<String> keys(Actor actor, String rule, String collection) {
        Set<String> keys = new TreeSet<>();
        PullResponse response;
        String cursor = null;
        do {
            response = nizhal.pull(
                    actor,
                    new PullRequest(
                            rule,
                            "p-" + actor.id() + "-" + rule + "-" + System.nanoTime(),
                            cursor,
                            null,
                            List.of(),
                            1000));
            cursor = response.cursor();
            response.changes().stream()
                    .filter(c -> c instanceof Upsert u && u.collection().equals(collection))
                    .forEach(c -> keys.add(c.key()));
        } while (response.hasMore());
        return keys;
    }

    private static SyncErrorCode code(MutationOutcome outcome) {
        return outcome instanceof Rejected r ? r.code() : null;
    }

    private static String reason(MutationOutcome outcome) {
        return outcome instanceof Rejected r ? (String) r.details().get("reason") : null;
    }

    @Test
    void notesBelongToTheirAuthor() {
        assertThat(push(ALICE, "addNote", "{\"id\": \"demo-n1\", \"body\": \"hi\"}"))
                .isInstanceOf(Applied.class);
        assertThat(push(ALICE, "editNote", "{\"id\": \"demo-n1\", \"body\": \"hello\"}"))
                .isInstanceOf(Applied.class);

        MutationOutcome bobEdits = push(BOB, "editNote", "{\"id\": \"demo-n1\", \"body\": \"mine now\"}");

        assertThat(reason(bobEdits)).isEqualTo("NOT_FOUND");
        assertThat(keys(ALICE, "myNotes", "notes")).contains("demo-n1");
        assertThat(keys(BOB, "myNotes", "notes")).doesNotContain("demo-n1");
        assertThat(push(ALICE, "deleteNote", "{\"id\": \"demo-n1\"}")).isInstanceOf(Applied.class);
        assertThat(keys(ALICE, "myNotes", "notes")).doesNotContain("demo-n1");
    }

    @Test
    void sharedListsReachTheirMembersOnly() {
        MutationOutcome created = push(ALICE, "createList", "{\"id\": \"groceries\", \"name\": \"Groceries\"}");
        assertThat(created).isInstanceOf(Applied.class);
        assertThat(push(ALICE, "addTodo", "{\"id\": \"milk\", \"listId\": \"groceries\", \"title\": \"Milk\"}"))
                .isInstanceOf(Applied.class);

        assertThat(reason(push(BOB, "addTodo", "{\"listId\": \"groceries\", \"title\": \"Cake\"}")))
                .isEqualTo("NOT_A_MEMBER");
        assertThat(keys(BOB, "sharedLists", "todos")).doesNotContain("milk");

        assertThat(push(ALICE, "addMember", "{\"listId\": \"groceries\", \"userId\": \"bob\"}"))
                .isInstanceOf(Applied.class);
        assertThat(keys(BOB, "sharedLists", "todos")).contains("milk");
        assertThat(keys(BOB, "sharedLists", "lists")).contains("groceries");

        // absolute optimistic effects: applying the same toggle twice leaves the same state
        assertThat(push(BOB, "toggleTodo", "{\"id\": \"milk\", \"done\": true}"))
                .isInstanceOf(Applied.class);
        assertThat(push(BOB, "toggleTodo", "{\"id\": \"milk\", \"done\": true}"))
                .isInstanceOf(Applied.class);
        assertThat(reason(push(BOB, "removeMember", "{\"listId\": \"groceries\", \"userId\": \"alice\"}")))
                .isEqualTo("NOT_OWNER");
        assertThat(push(BOB, "removeMember", "{\"listId\": \"groceries\", \"userId\": \"bob\"}"))
                .isInstanceOf(Applied.class);
        assertThat(keys(BOB, "sharedLists", "todos")).doesNotContain("milk");
        assertThat(code(push(BOB, "toggleTodo", "{\"id\": \"milk\", \"done\": false}")))
                .isEqualTo(SyncErrorCode.MUTATION_REJECTED);
    }
}
