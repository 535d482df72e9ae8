package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nizhal.server.HttpTarget.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Seeded, bounded fuzzing over real HTTP: {@value #DEFAULT_REQUESTS} mutations of valid pull and push bodies
 * ({@link FuzzBodies}). The server must never answer 5xx, every refusal must be a documented error without leaks, and
 * a refused request must leave no journal entry and no client row. Repeat a failure with {@code
 * -Dnizhal.fuzz.seed=<seed>}; widen it with {@code -Dnizhal.fuzz.requests=<n>}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HttpFuzzSuite {
    static final int DEFAULT_REQUESTS = 1500;
    private static final long SEED = Long.getLong("nizhal.fuzz.seed", 0x5EED_2026L);
    private static final int REQUESTS = Integer.getInteger("nizhal.fuzz.requests", DEFAULT_REQUESTS);

    /** The server under test, running {@link SeedApp}. */
    abstract HttpTarget target();

    @Test
    void mutatedBodiesAreAnsweredWithoutServerErrorsAndRefusalsLeaveNoTrace() {
        Random random = new Random(SEED);
        Map<Integer, Integer> statuses = new TreeMap<>();
        Map<String, Integer> codes = new TreeMap<>();
        for (int i = 0; i < REQUESTS; i++) {
            boolean push = random.nextBoolean();
            byte[] body = FuzzBodies.mutate(random, push ? FuzzBodies.validPush(i) : FuzzBodies.validPull(i));
            long journal = target().count("select count(*) from nizhal.mutation_journal");
            long clients = target().count("select count(*) from nizhal.clients");

            Reply reply = target().post(push ? "sync/push" : "sync/pull", SeedApp.ALICE, body);

            String what = "request " + i + " of seed " + SEED + ", " + (push ? "push " : "pull ") + preview(body)
                    + " answered " + reply.status() + " " + preview(reply.body().getBytes(StandardCharsets.UTF_8));
            statuses.merge(reply.status(), 1, Integer::sum);
            assertThat(reply.status()).as(what).isIn(200, 400, 403, 404, 409, 413);
            if (reply.status() == 200) {
                JsonNode json = reply.json();
                assertThat(json.has(push ? "results" : "cursor")).as(what).isTrue();
            } else {
                String code = reply.error().get("code").asText();
                codes.merge(code, 1, Integer::sum);
                assertThat(target().count("select count(*) from nizhal.mutation_journal"))
                        .as("journal rows after %s", what)
                        .isEqualTo(journal);
                assertThat(target().count("select count(*) from nizhal.clients"))
                        .as("client rows after %s", what)
                        .isEqualTo(clients);
            }
        }
        // a fuzzer that only ever produced garbage, or never did, would prove little
        assertThat(statuses.getOrDefault(200, 0)).as("accepted: %s", statuses).isGreaterThan(REQUESTS / 10);
        assertThat(statuses.getOrDefault(400, 0)).as("refused: %s", statuses).isGreaterThan(REQUESTS / 4);
        System.out.println("fuzz seed " + SEED + ": statuses " + statuses + ", error codes " + codes);
    }

    private static String preview(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        return text.length() <= 300 ? text : text.substring(0, 300) + "... (" + bytes.length + " bytes)";
    }
}
