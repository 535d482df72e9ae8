package dev.nizhal.adapters.jaxrs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nizhal.adapters.jaxrs.WireLimits;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.in.PullChanges.PullRequest;
import dev.nizhal.ports.in.PushMutations.MutationRequest;
import dev.nizhal.ports.in.PushMutations.PushRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestReaderTest {

    private static PullRequest pull(String json) {
        return RequestReader.pull(json.getBytes(StandardCharsets.UTF_8), WireLimits.DEFAULTS);
    }

    private static PushRequest push(String json) {
        return RequestReader.push(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The paths of the problems of a malformed request, asserting that it is one. */
    private static List<String> pathsOf(Runnable read) {
        SyncException e = catchThrowableOfType(SyncException.class, read::run);
        assertThat(e).as("a malformed request").isNotNull();
        assertThat(e.code()).isEqualTo(SyncErrorCode.MALFORMED_REQUEST);
        return errors(e).stream().map(error -> (String) error.get("path")).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> errors(SyncException e) {
        return (List<Map<String, Object>>) e.details().get("errors");
    }

    @Test
    void readsTheProtocolsPullExample() {
        PullRequest request = pull("""
                { "syncRule": "myNotes", "clientId": "c-7f3a", "cursor": null,
                  "buckets": [{"ownerId": "u1"}],
                  "held": ["myNotes[\\"u1\\"]"],
                  "limit": 1000 }""");

        assertThat(request)
                .isEqualTo(new PullRequest(
                        "myNotes", "c-7f3a", null, "[{\"ownerId\":\"u1\"}]", List.of("myNotes[\"u1\"]"), 1000));
    }

    @Test
    void pullDefaultsLimitHeldAndBucketsAndCapsTheLimit() {
        assertThat(pull("{\"syncRule\":\"r\",\"clientId\":\"c\"}"))
                .isEqualTo(new PullRequest("r", "c", null, null, List.of(), 1000));
        assertThat(pull("{\"syncRule\":\"r\",\"clientId\":\"c\",\"limit\":99999999999999999999999}")
                        .limit())
                .isEqualTo(5000);
        assertThat(pull("{\"syncRule\":\"r\",\"clientId\":\"c\",\"limit\":1}").limit())
                .isEqualTo(1);
        assertThat(pull("{\"syncRule\":\"r\",\"clientId\":\"c\",\"held\":null,\"buckets\":null,\"limit\":null}"))
                .isEqualTo(new PullRequest("r", "c", null, null, List.of(), 1000));
    }

    @Test
    void unknownPropertiesAreIgnoredAnywhere() {
        assertThat(pull("{\"syncRule\":\"r\",\"clientId\":\"c\",\"future\":{\"x\":[1,2]}}")
                        .syncRule())
                .isEqualTo("r");
        assertThat(push("{\"clientId\":\"c\",\"v\":2,\"mutations\":[{\"id\":1,\"name\":\"n\",\"extra\":true}]}")
                        .mutations())
                .containsExactly(new MutationRequest(1, "n", null));
    }

    @Test
    void readsThePushExampleAndKeepsArgsAsJsonWithExactNumbers() {
        PushRequest request = push("""
                { "clientId": "c-7f3a",
                  "mutations": [ {"id": 42, "name": "addNote", "args": {"id": "n9", "body": "hello"}},
                                 {"id": 43, "name": "nizhal.skip"},
                                 {"id": 44, "name": "m", "args": {"a": 0.1, "b": 1.0, "c": 1e2, "d": 12345678901234567890}},
                                 {"id": 9007199254740991, "name": "m", "args": null} ] }""");

        assertThat(request.clientId()).isEqualTo("c-7f3a");
        assertThat(request.mutations())
                .containsExactly(
                        new MutationRequest(42, "addNote", "{\"id\":\"n9\",\"body\":\"hello\"}"),
                        new MutationRequest(43, "nizhal.skip", null),
                        new MutationRequest(44, "m", "{\"a\":0.1,\"b\":1.0,\"c\":1E+2,\"d\":12345678901234567890}"),
                        new MutationRequest(9007199254740991L, "m", null));
    }

    @Test
    void argsOfAnyJsonTypeArePassedOnForTheCodecToJudge() {
        assertThat(push("{\"clientId\":\"c\",\"mutations\":[{\"id\":1,\"name\":\"n\",\"args\":[1,\"x\"]}]}")
                        .mutations()
                        .getFirst()
                        .argsJson())
                .isEqualTo("[1,\"x\"]");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            not JSON                    | {clientId: 1}
            truncated                   | {"clientId": "c", "mutations": [{"id": 1
            trailing content            | {"clientId": "c", "mutations": [{"id": 1, "name": "n"}]} x
            two values                  | {"clientId": "c", "mutations": [{"id": 1, "name": "n"}]}{}
            an array                    | [{"clientId": "c"}]
            a string                    | "hello"
            whitespace only             | `   `
            duplicate root key          | {"clientId": "c", "clientId": "d", "mutations": [{"id": 1, "name": "n"}]}
            duplicate nested key        | {"clientId": "c", "mutations": [{"id": 1, "id": 2, "name": "n"}]}
            duplicate key in args       | {"clientId": "c", "mutations": [{"id": 1, "name": "n", "args": {"a": 1, "a": 2}}]}
            NaN                         | {"clientId": "c", "mutations": [{"id": NaN, "name": "n"}]}
            comment                     | {"clientId": "c", /* x */ "mutations": [{"id": 1, "name": "n"}]}
            single quotes               | {'clientId': 'c', 'mutations': []}
            leading zero                | {"clientId": "c", "mutations": [{"id": 01, "name": "n"}]}
            """)
    void bodiesThatAreNotOneJsonObjectAreMalformedAtTheRoot(String what, String body) {
        assertThat(pathsOf(() -> push(body))).as(what).containsExactly("");
    }

    @Test
    void emptyBodiesAndNonUtf8AreMalformed() {
        assertThat(pathsOf(() -> RequestReader.push(new byte[0]))).containsExactly("");
        byte[] latin1 = "{\"clientId\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        SyncException e = catchThrowableOfType(SyncException.class, () -> RequestReader.push(latin1));
        assertThat(e.getMessage()).contains("not UTF-8");
    }

    @Test
    void deepNestingAndLongNumbersAreRefusedWhileParsing() {
        String deep = "[".repeat(200) + "]".repeat(200);
        SyncException nested = catchThrowableOfType(
                SyncException.class,
                () -> push("{\"clientId\":\"c\",\"mutations\":[{\"id\":1,\"name\":\"n\",\"args\":" + deep + "}]}"));
        assertThat(nested.code()).isEqualTo(SyncErrorCode.MALFORMED_REQUEST);
        assertThat(nested.getMessage()).contains("nested deeper than 128");

        String digits = "9".repeat(1001);
        assertThat(pathsOf(() -> push("{\"clientId\":\"c\",\"mutations\":[{\"id\":" + digits + ",\"name\":\"n\"}]}")))
                .containsExactly("");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            id missing                  | {"clientId": "c", "mutations": [{"name": "n"}]}                   | mutations[0].id
            id null                     | {"clientId": "c", "mutations": [{"id": null, "name": "n"}]}       | mutations[0].id
            id a string                 | {"clientId": "c", "mutations": [{"id": "1", "name": "n"}]}        | mutations[0].id
            id a decimal                | {"clientId": "c", "mutations": [{"id": 1.5, "name": "n"}]}        | mutations[0].id
            id integral but decimal     | {"clientId": "c", "mutations": [{"id": 1.0, "name": "n"}]}        | mutations[0].id
            id in exponent form         | {"clientId": "c", "mutations": [{"id": 1e2, "name": "n"}]}        | mutations[0].id
            id zero                     | {"clientId": "c", "mutations": [{"id": 0, "name": "n"}]}          | mutations[0].id
            id negative                 | {"clientId": "c", "mutations": [{"id": -3, "name": "n"}]}         | mutations[0].id
            id 2^53                     | {"clientId": "c", "mutations": [{"id": 9007199254740992, "name": "n"}]} | mutations[0].id
            id huge                     | {"clientId": "c", "mutations": [{"id": 123456789012345678901234567890, "name": "n"}]} | mutations[0].id
            id a boolean                | {"clientId": "c", "mutations": [{"id": true, "name": "n"}]}       | mutations[0].id
            name missing                | {"clientId": "c", "mutations": [{"id": 1}]}                       | mutations[0].name
            name a number               | {"clientId": "c", "mutations": [{"id": 1, "name": 5}]}            | mutations[0].name
            name empty                  | {"clientId": "c", "mutations": [{"id": 1, "name": ""}]}           | mutations[0].name
            clientId missing            | {"mutations": [{"id": 1, "name": "n"}]}                           | clientId
            clientId a number           | {"clientId": 7, "mutations": [{"id": 1, "name": "n"}]}            | clientId
            clientId an object          | {"clientId": {}, "mutations": [{"id": 1, "name": "n"}]}           | clientId
            clientId blank              | {"clientId": "  ", "mutations": [{"id": 1, "name": "n"}]}         | clientId
            clientId with NUL           | {"clientId": "a\\u0000b", "mutations": [{"id": 1, "name": "n"}]}  | clientId
            clientId half a surrogate   | {"clientId": "a\\ud800b", "mutations": [{"id": 1, "name": "n"}]}  | clientId
            mutations missing           | {"clientId": "c"}                                                 | mutations
            mutations an object         | {"clientId": "c", "mutations": {"id": 1}}                         | mutations
            mutations empty             | {"clientId": "c", "mutations": []}                                | mutations
            a mutation not an object    | {"clientId": "c", "mutations": [5]}                               | mutations[0]
            NUL in args                 | {"clientId": "c", "mutations": [{"id": 1, "name": "n", "args": {"body": "x\\u0000"}}]} | mutations[0].args.body
            NUL in an args key          | {"clientId": "c", "mutations": [{"id": 1, "name": "n", "args": {"a\\u0000": 1}}]} | `mutations[0].args["a\uFFFD"]`
            surrogate deep in args      | {"clientId": "c", "mutations": [{"id": 1, "name": "n", "args": {"l": [1, ["\\udc00"]]}}]} | mutations[0].args.l[1][0]
            huge exponent in args       | {"clientId": "c", "mutations": [{"id": 1, "name": "n", "args": {"x": 1e5000}}]} | mutations[0].args.x
            tiny exponent in args       | {"clientId": "c", "mutations": [{"id": 1, "name": "n", "args": {"x": 1e-5000}}]} | mutations[0].args.x
            """)
    void wrongPushValuesAreMalformedAtTheirPath(String what, String body, String path) {
        assertThat(pathsOf(() -> push(body))).as(what).containsExactly(path);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            syncRule missing            | {"clientId": "c"}                                            | syncRule
            syncRule a number           | {"syncRule": 1, "clientId": "c"}                             | syncRule
            syncRule too long           | {"syncRule": "LONG", "clientId": "c"}                        | syncRule
            cursor a number             | {"syncRule": "r", "clientId": "c", "cursor": 5}              | cursor
            cursor with NUL             | {"syncRule": "r", "clientId": "c", "cursor": "\\u0000"}      | cursor
            buckets an object           | {"syncRule": "r", "clientId": "c", "buckets": {"a": 1}}      | buckets
            buckets of strings          | {"syncRule": "r", "clientId": "c", "buckets": ["a"]}         | buckets[0]
            NUL in a bucket filter      | {"syncRule": "r", "clientId": "c", "buckets": [{"o": "\\u0000"}]} | buckets[0].o
            held a string               | {"syncRule": "r", "clientId": "c", "held": "x"}              | held
            held of numbers             | {"syncRule": "r", "clientId": "c", "held": ["a", 1]}         | held[1]
            held with null              | {"syncRule": "r", "clientId": "c", "held": [null]}           | held[0]
            limit zero                  | {"syncRule": "r", "clientId": "c", "limit": 0}               | limit
            limit negative              | {"syncRule": "r", "clientId": "c", "limit": -1}              | limit
            limit a decimal             | {"syncRule": "r", "clientId": "c", "limit": 10.5}            | limit
            limit a string              | {"syncRule": "r", "clientId": "c", "limit": "10"}            | limit
            """)
    void wrongPullValuesAreMalformedAtTheirPath(String what, String body, String path) {
        String json = body.replace("LONG", "r".repeat(RequestReader.MAX_NAME_LENGTH + 1));
        assertThat(pathsOf(() -> pull(json))).as(what).containsExactly(path);
    }

    @Test
    void everyProblemIsReportedWithItsPathAndTheMessageSaysHowManyMore() {
        SyncException e = catchThrowableOfType(
                SyncException.class,
                () -> push("{\"clientId\": 5, \"mutations\": [{\"id\": 0, \"name\": \"n\"}, {\"id\": 2}, \"x\"]}"));

        assertThat(errors(e))
                .extracting(error -> error.get("path"))
                .containsExactly("clientId", "mutations[0].id", "mutations[1].name", "mutations[2]");
        assertThat(e.getMessage()).isEqualTo("malformed request: clientId: must be a string (and 3 more)");
        assertThat(errors(e).getFirst()).containsOnlyKeys("path", "message");
    }

    @Test
    void theReportedProblemsAreBounded() {
        StringBuilder body = new StringBuilder("{\"clientId\":\"c\",\"mutations\":[");
        for (int i = 0; i < 500; i++) {
            body.append(i == 0 ? "" : ",").append("{}");
        }
        SyncException e = catchThrowableOfType(SyncException.class, () -> push(body + "]}"));

        assertThat(errors(e)).hasSize(Problems.MAX_REPORTED);
        assertThat(e.getMessage()).endsWith("(and 999 more)");
    }

    @Test
    void messagesDoNotEchoJacksonOrJavaNames() {
        for (String body : List.of("{\"clientId\": tru}", "{\"a\":1,\"a\":2}", "[", "{\"clientId\":\"c\"} 5")) {
            SyncException e = catchThrowableOfType(SyncException.class, () -> push(body));
            assertThat(e.getMessage() + e.details())
                    .as(body)
                    .doesNotContain("java.", "com.fasterxml", "Exception", "Source:", "Token");
        }
    }
}
