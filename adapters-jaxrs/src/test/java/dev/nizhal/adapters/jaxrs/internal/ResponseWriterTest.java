package dev.nizhal.adapters.jaxrs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jaxrs.HealthCheck.Health;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.ports.in.DescribeContract.CollectionContract;
import dev.nizhal.ports.in.DescribeContract.Contract;
import dev.nizhal.ports.in.DescribeContract.ParameterContract;
import dev.nizhal.ports.in.DescribeContract.RuleContract;
import dev.nizhal.ports.in.PullChanges.Delete;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.in.PullChanges.Upsert;
import dev.nizhal.ports.in.PushMutations.Applied;
import dev.nizhal.ports.in.PushMutations.NotAttempted;
import dev.nizhal.ports.in.PushMutations.PushResponse;
import dev.nizhal.ports.in.PushMutations.Rejected;
import dev.nizhal.ports.out.RowSource.JsonText;
import dev.nizhal.ports.out.RowValues;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The response bodies byte for byte, as PROTOCOL.md shows them (whitespace aside). */
class ResponseWriterTest {

    private static String text(byte[] json) {
        return new String(json, StandardCharsets.UTF_8);
    }

    private static Map<String, Object> row(Object... keysAndValues) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            row.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return row;
    }

    @Test
    void writesTheProtocolsPullExample() {
        PullResponse response = new PullResponse(
                "c1",
                false,
                false,
                List.of("myNotes[\"u1\"]"),
                List.of(),
                List.of(),
                List.of(),
                List.of(
                        new Upsert(
                                "notes",
                                "n1",
                                row("id", "n1", "body", "hi", "owner_id", "u1"),
                                List.of("myNotes[\"u1\"]")),
                        new Delete("notes", "n2")),
                41L);

        assertThat(text(ResponseWriter.pull(response)))
                .isEqualTo("{\"cursor\":\"c1\",\"hasMore\":false,\"reset\":false,\"buckets\":[\"myNotes[\\\"u1\\\"]\"],"
                        + "\"revokedBuckets\":[],\"loadedBuckets\":[],\"loadingBuckets\":[],\"changes\":["
                        + "{\"op\":\"upsert\",\"collection\":\"notes\",\"key\":\"n1\","
                        + "\"row\":{\"id\":\"n1\",\"body\":\"hi\",\"owner_id\":\"u1\"},"
                        + "\"buckets\":[\"myNotes[\\\"u1\\\"]\"]},"
                        + "{\"op\":\"delete\",\"collection\":\"notes\",\"key\":\"n2\"}],"
                        + "\"lastMutationId\":41}");
    }

    @Test
    void lastMutationIdIsLeftOutWhenAbsent() {
        PullResponse response =
                new PullResponse("c", true, true, List.of(), List.of("b"), List.of("l"), List.of("g"), List.of(), null);

        assertThat(text(ResponseWriter.pull(response)))
                .isEqualTo(
                        "{\"cursor\":\"c\",\"hasMore\":true,\"reset\":true,\"buckets\":[],\"revokedBuckets\":[\"b\"],"
                                + "\"loadedBuckets\":[\"l\"],\"loadingBuckets\":[\"g\"],\"changes\":[]}");
    }

    @Test
    void rowValuesAreWrittenAsTheyAreEncodedAndJsonColumnsAsRawJson() {
        Map<String, Object> row = row(
                "text",
                "a \"quoted\" é 😀",
                "int",
                7,
                "big",
                9007199254740991L,
                "bigAsText",
                "9007199254740993",
                "float",
                1.5,
                "nan",
                "NaN",
                "bool",
                true,
                "null",
                null,
                "jsonb",
                new JsonText("{\"nested\": [1, {\"x\": null}]}"),
                "array",
                List.of(1, 2),
                "nested",
                List.of(List.of("a"), Arrays.asList((Object) null)),
                "jsonArray",
                List.of(new JsonText("{}"), new JsonText("[true]")));
        PullResponse response = new PullResponse(
                "c",
                false,
                false,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(new Upsert("t", "k", row, List.of())),
                null);

        assertThat(text(ResponseWriter.pull(response)))
                .contains("\"row\":{\"text\":\"a \\\"quoted\\\" é 😀\",\"int\":7,\"big\":9007199254740991,"
                        + "\"bigAsText\":\"9007199254740993\",\"float\":1.5,\"nan\":\"NaN\",\"bool\":true,\"null\":null,"
                        + "\"jsonb\":{\"nested\": [1, {\"x\": null}]},\"array\":[1,2],\"nested\":[[\"a\"],[null]],"
                        + "\"jsonArray\":[{},[true]]}");
    }

    @Test
    void theRowSourcesRowsAreWrittenAsAnyMapWithTheSameEntries() {
        // two collections alternating in one response: each row is written with its own collection's names
        List<String> notes = List.of("id", "body", "meta", "owner_id");
        List<String> lists = List.of("id", "title");
        Object[][] noteValues = {
            {"n1", "a \"quoted\" é 😀", new JsonText("{\"x\": [1, null]}"), "u1"}, {"n2", null, null, "u1"}
        };
        List<Upsert> compact = List.of(
                new Upsert("notes", "n1", new RowValues(notes, noteValues[0].clone()), List.of("b")),
                new Upsert("lists", "l1", new RowValues(lists, new Object[] {"l1", List.of(1, 2)}), List.of("b")),
                new Upsert("notes", "n2", new RowValues(notes, noteValues[1].clone()), List.of("b")));
        List<Upsert> maps = compact.stream()
                .map(u -> new Upsert(u.collection(), u.key(), new LinkedHashMap<>(u.row()), u.buckets()))
                .toList();

        String written = text(ResponseWriter.pull(page(compact)));

        assertThat(written).isEqualTo(text(ResponseWriter.pull(page(maps))));
        assertThat(written)
                .contains("\"row\":{\"id\":\"n1\",\"body\":\"a \\\"quoted\\\" é 😀\",\"meta\":{\"x\": [1, null]},"
                        + "\"owner_id\":\"u1\"}")
                .contains("\"row\":{\"id\":\"l1\",\"title\":[1,2]}")
                .contains("\"row\":{\"id\":\"n2\",\"body\":null,\"meta\":null,\"owner_id\":\"u1\"}");
    }

    @Test
    void theRowSourcesStringsAreWrittenAsAnyStringForEveryCharacterButALoneSurrogate() {
        // every character of the BMP but the surrogates, in strings of 64, then pairs (emoji and others) and the
        // characters JSON escapes: the row source's path (databaseText) against a map's (writeString)
        StringBuilder all = new StringBuilder();
        for (int c = 0; c <= 0xFFFF; c++) {
            if (!Character.isSurrogate((char) c)) {
                all.append((char) c);
            }
        }
        for (int cp : new int[] {0x1F600, 0x10000, 0x10FFFF, 0x1D11E}) {
            all.appendCodePoint(cp);
        }
        all.append("\"\\\u0000\n\u007f\u2028/");
        List<String> names = List.of("id", "body");
        List<Upsert> compact = new java.util.ArrayList<>();
        for (int at = 0; at < all.length(); at += 64) {
            int end = Math.min(all.length(), at + 64);
            if (end < all.length() && Character.isHighSurrogate(all.charAt(end - 1))) {
                end++; // a pair stays whole
            }
            String text = all.substring(at, end);
            compact.add(new Upsert("notes", text, new RowValues(names, new Object[] {text, text + "!"}), List.of("b")));
            at = end - 64;
        }
        List<Upsert> maps = compact.stream()
                .map(u -> new Upsert(u.collection(), u.key(), new LinkedHashMap<>(u.row()), u.buckets()))
                .toList();

        assertThat(ResponseWriter.pull(page(compact))).isEqualTo(ResponseWriter.pull(page(maps)));
    }

    @Test
    void eachChangeNamesItsOwnCollectionAndBucketsWhenTheyRepeatOrChange() throws Exception {
        // the writer encodes a repeated collection name and bucket list once: every change must still get its own
        List<String> alice = List.of("myNotes[\"alicé 😀\"]");
        List<String> both = List.of("myNotes[\"alicé 😀\"]", "shared[7]");
        List<Upsert> changes = List.of(
                new Upsert("notes", "n1", row("id", "n1"), alice),
                new Upsert("notes", "n2", row("id", "n2"), new java.util.ArrayList<>(alice)),
                new Upsert("lists", "l1", row("id", "l1"), both),
                new Upsert("notes", "n3", row("id", "n3"), List.of()),
                new Upsert("notes", "n4", row("id", "n4"), alice));

        String written = text(ResponseWriter.pull(page(changes)));

        com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(written)
                .get("changes");
        assertThat(tree).hasSize(changes.size());
        for (int i = 0; i < changes.size(); i++) {
            Upsert change = changes.get(i);
            assertThat(tree.get(i).get("collection").asText()).isEqualTo(change.collection());
            assertThat(tree.get(i).get("key").asText()).isEqualTo(change.key());
            List<String> buckets = new java.util.ArrayList<>();
            tree.get(i).get("buckets").forEach(b -> buckets.add(b.asText()));
            assertThat(buckets).isEqualTo(change.buckets());
        }
        // byte for byte as a string value is written elsewhere in the response: quotes escaped, the emoji as UTF-8
        assertThat(written)
                .contains("\"key\":\"n1\",\"row\":{\"id\":\"n1\"},\"buckets\":[\"myNotes[\\\"alicé 😀\\\"]\"]}")
                .contains("\"buckets\":[\"myNotes[\\\"alicé 😀\\\"]\",\"shared[7]\"]}")
                .contains("\"key\":\"n3\",\"row\":{\"id\":\"n3\"},\"buckets\":[]}");
    }

    private static PullResponse page(List<Upsert> changes) {
        return new PullResponse(
                "c", true, false, List.of("b"), List.of(), List.of(), List.of("b"), List.copyOf(changes), null);
    }

    @Test
    void writesThePushOutcomesOfTheProtocolWithReplayedOnlyWhenTrue() {
        PushResponse response = new PushResponse(List.of(
                new Applied(42, "n9", List.of("myNotes[\"u1\"]"), false),
                new Rejected(43, SyncErrorCode.MUTATION_REJECTED, "note is locked", Map.of("reason", "LOCKED"), false),
                new NotAttempted(44, SyncErrorCode.TRANSIENT),
                new NotAttempted(45, null),
                new Applied(40, 17L, List.of(), true),
                new Rejected(41, SyncErrorCode.UNKNOWN_MUTATOR, "there is no mutator 'x'", Map.of(), true),
                new Applied(39, null, List.of(), false)));

        assertThat(text(ResponseWriter.push(response)))
                .isEqualTo("{\"results\":["
                        + "{\"id\":42,\"status\":\"applied\",\"result\":{\"serverId\":\"n9\","
                        + "\"affectedBuckets\":[\"myNotes[\\\"u1\\\"]\"]}},"
                        + "{\"id\":43,\"status\":\"rejected\",\"error\":{\"code\":\"MUTATION_REJECTED\","
                        + "\"message\":\"note is locked\",\"retryable\":false,\"details\":{\"reason\":\"LOCKED\"}}},"
                        + "{\"id\":44,\"status\":\"notAttempted\",\"error\":{\"code\":\"TRANSIENT\",\"retryable\":true}},"
                        + "{\"id\":45,\"status\":\"notAttempted\"},"
                        + "{\"id\":40,\"status\":\"applied\",\"replayed\":true,"
                        + "\"result\":{\"serverId\":17,\"affectedBuckets\":[]}},"
                        + "{\"id\":41,\"status\":\"rejected\",\"replayed\":true,\"error\":{\"code\":\"UNKNOWN_MUTATOR\","
                        + "\"message\":\"there is no mutator 'x'\",\"retryable\":false}},"
                        + "{\"id\":39,\"status\":\"applied\",\"result\":{\"serverId\":null,\"affectedBuckets\":[]}}"
                        + "]}");
    }

    @Test
    void aRecordServerIdIsWrittenAsAnObject() {
        record Created(String id, int version) {}
        PushResponse response = new PushResponse(List.of(new Applied(1, new Created("a", 2), List.of(), false)));

        assertThat(text(ResponseWriter.push(response))).contains("\"serverId\":{\"id\":\"a\",\"version\":2}");
    }

    @Test
    void writesTheContractWithSortedNamesAndTheSchemasAsJson() {
        Contract contract = new Contract(
                1,
                Map.of(
                        "myNotes",
                        new RuleContract(
                                List.of(new ParameterContract("ownerId", "text")),
                                Map.of(
                                        "notes",
                                        new CollectionContract(List.of("id"), Map.of("id", "text", "body", "text"))))),
                Map.of("addNote", "{\"type\":\"object\"}", "a", "{}"));

        assertThat(text(ResponseWriter.contract(contract)))
                .isEqualTo("{\"protocol\":1,\"syncRules\":{\"myNotes\":{\"parameters\":[{\"name\":\"ownerId\","
                        + "\"type\":\"text\"}],\"collections\":{\"notes\":{\"key\":[\"id\"],"
                        + "\"columns\":{\"body\":\"text\",\"id\":\"text\"}}}}},"
                        + "\"mutators\":{\"a\":{},\"addNote\":{\"type\":\"object\"}}}");
    }

    @Test
    void writesHealth() {
        assertThat(text(ResponseWriter.health(new Health(true, true))))
                .isEqualTo("{\"status\":\"UP\",\"database\":\"UP\",\"migrations\":\"CURRENT\"}");
        assertThat(text(ResponseWriter.health(new Health(true, false))))
                .isEqualTo("{\"status\":\"DOWN\",\"database\":\"UP\",\"migrations\":\"PENDING\"}");
        assertThat(text(ResponseWriter.health(new Health(false, false))))
                .isEqualTo("{\"status\":\"DOWN\",\"database\":\"DOWN\",\"migrations\":\"UNKNOWN\"}");
    }

    @Test
    void writesErrorsWithDetailsOnlyWhenThereAreSome() {
        assertThat(text(ResponseWriter.error(SyncErrorCode.MUTATION_ORDER, "ahead", Map.of("expected", 3L), "corr-1")))
                .isEqualTo("{\"error\":{\"code\":\"MUTATION_ORDER\",\"message\":\"ahead\",\"retryable\":false,"
                        + "\"details\":{\"expected\":3},\"correlationId\":\"corr-1\"}}");
        assertThat(text(ResponseWriter.error(SyncErrorCode.TRANSIENT, "busy", Map.of(), "corr-2")))
                .isEqualTo("{\"error\":{\"code\":\"TRANSIENT\",\"message\":\"busy\",\"retryable\":true,"
                        + "\"correlationId\":\"corr-2\"}}");
    }
}
