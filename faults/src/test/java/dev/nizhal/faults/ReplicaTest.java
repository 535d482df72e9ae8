package dev.nizhal.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The client-side checks of {@link Replica} catch what they are there for: they are not a suite that cannot fail. */
class ReplicaTest {
    private final Violations violations = new Violations();
    private final Tally tally = new Tally();

    private static JsonNode json(String text) {
        try {
            return SyncHttp.JSON.readTree(text.replace('\'', '"'));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String counter(String owner, String team, long value, String bucket) {
        return "{'op':'upsert','collection':'fault_counters','key':'k1','row':{'id':'k1','owner_id':'" + owner
                + "','team_id':'" + team + "','value':" + value + "},'buckets':['" + bucket.replace("\"", "\\\"")
                + "']}";
    }

    private static JsonNode response(String cursor, String served, String... changes) {
        return json("{'cursor':'" + cursor + "','hasMore':false,'reset':false,'buckets':[" + served + "],"
                + "'revokedBuckets':[],'loadedBuckets':[" + served + "],'loadingBuckets':[],'changes':["
                + String.join(",", changes) + "]}");
    }

    @Test
    void appliesAFreshAnswerAndRefusesAStaleOne() {
        Replica replica = new Replica("mine", "u1", violations, tally);
        JsonNode first = response("c1", "\"mine[\\\"u1\\\"]\"", counter("u1", "t1", 1, "mine[\"u1\"]"));
        assertThat(replica.apply(null, first, "test")).isTrue();
        assertThat(replica.apply(null, first, "test"))
                .as("the same answer again")
                .isFalse();
        assertThat(replica.cursor()).isEqualTo("c1");
        assertThat(replica.held()).containsExactly("mine[\"u1\"]");
        assertThat(violations.count()).as(violations.describe()).isZero();
    }

    @Test
    void flagsARowOfAnotherActorAsALeak() {
        Replica replica = new Replica("mine", "u1", violations, tally);
        replica.apply(null, response("c1", "", counter("u2", "t1", 1, "mine[\"u2\"]")), "test");
        assertThat(violations.describe()).contains("LEAK");
    }

    @Test
    void flagsATeamRowOfATeamTheActorIsNotIn() {
        Replica replica = new Replica("teams", "u1", violations, tally);
        replica.apply(null, response("c1", "", counter("u3", "t2", 1, "teams[\"t2\"]")), "test");
        assertThat(violations.describe()).contains("LEAK");
    }

    @Test
    void flagsACounterGoingBack() {
        Replica replica = new Replica("mine", "u1", violations, tally);
        replica.apply(null, response("c1", "", counter("u1", "t1", 5, "mine[\"u1\"]")), "test");
        replica.apply("c1", response("c2", "", counter("u1", "t1", 4, "mine[\"u1\"]")), "test");
        assertThat(violations.describe()).contains("P5: counter k1 went back from 5 to 4");
    }

    @Test
    void flagsAnUpsertNamingAnotherBucketThanTheRowsOwn() {
        Replica replica = new Replica("teams", "u2", violations, tally);
        replica.apply(null, response("c1", "", counter("u2", "t1", 1, "teams[\"t2\"]")), "test");
        assertThat(violations.describe()).contains("names buckets [teams[\"t2\"]], the row matches only teams[\"t1\"]");
    }
}
