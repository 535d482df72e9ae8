package dev.nizhal.adapters.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HelloTest {
    @Test
    void aHelloNamesItsRulesInOrderWithTheirFilters() {
        Hello hello = Hello.parse(
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[\"b\",\"a\"],"
                        + "\"buckets\":{\"a\":[{\"ownerId\":\"u1\"}]},\"future\":1}",
                8);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("b", null);
        expected.put("a", "[{\"ownerId\":\"u1\"}]");
        assertThat(hello.token()).isEqualTo("t");
        assertThat(hello.filters()).containsExactlyEntriesOf(expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "[]",
                "null",
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[\"a\"]} trailing",
                "{\"type\":\"hello\",\"token\":\"t\",\"token\":\"u\",\"syncRules\":[\"a\"]}",
                "{\"type\":\"ping\",\"token\":\"t\",\"syncRules\":[\"a\"]}",
                "{\"type\":\"hello\",\"token\":\"t\"}",
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[]}",
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":\"a\"}",
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[1]}",
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[\"a\",\"a\"]}",
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[\"a\",\"b\",\"c\"]}",
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[\"a\"],\"buckets\":[]}",
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[\"a\"],\"buckets\":{\"a\":{}}}",
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[\"a\"],\"buckets\":{\"a\":[1]}}",
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[\"a\"],\"buckets\":{\"b\":[]}}"
            })
    void aMalformedHelloSaysWhatIsWrong(String text) {
        assertThatThrownBy(() -> Hello.parse(text, 2))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.MALFORMED_REQUEST))
                .hasMessageNotContaining("Exception")
                .hasMessageNotContaining("jackson");
    }

    /** The checks of {@code POST /sync/pull} on its {@code buckets}: text and numbers PostgreSQL can hold. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "[{\"ownerId\":\"a\\u0000\"}]",
                "[{\"ownerId\":\"\\ud800\"}]",
                "[{\"ownerId\":\"x\\udc00y\"}]",
                "[{\"owner\\u0000Id\":\"x\"}]",
                "[{\"ownerId\":[\"ok\",{\"deep\":\"\\u0000\"}]}]",
                "[{\"ownerId\":0.1e-1001}]"
            })
    void aFilterWithTextOrNumbersPostgresqlCannotHoldIsMalformed(String filter) {
        String text = "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[\"a\"],\"buckets\":{\"a\":" + filter + "}}";
        assertThatThrownBy(() -> Hello.parse(text, 2))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.MALFORMED_REQUEST))
                .hasMessageStartingWith("buckets.a[0]");
    }

    @Test
    void aFilterKeepsItsNumbersExactlyAsSent() {
        Hello hello = Hello.parse(
                "{\"type\":\"hello\",\"token\":\"t\",\"syncRules\":[\"a\"],"
                        + "\"buckets\":{\"a\":[{\"n\":0.1,\"m\":1.0,\"big\":1e400,\"p\":\"😀\"}]}}",
                2);
        assertThat(hello.filters().get("a")).isEqualTo("[{\"n\":0.1,\"m\":1.0,\"big\":1E+400,\"p\":\"😀\"}]");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"type\":\"hello\",\"syncRules\":[\"a\"]}",
                "{\"type\":\"hello\",\"token\":\"\",\"syncRules\":[\"a\"]}",
                "{\"type\":\"hello\",\"token\":7,\"syncRules\":[\"a\"]}"
            })
    void aHelloWithoutATokenIsUnauthenticated(String text) {
        assertThatThrownBy(() -> Hello.parse(text, 2))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.UNAUTHENTICATED));
    }

    @Test
    void aCloseReasonFitsIn123BytesWithoutCuttingACharacter() {
        String reason = StreamHub.reason(SyncErrorCode.UNKNOWN_SYNC_RULE, "there is no sync rule '" + "é".repeat(200));
        assertThat(reason.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(123);
        assertThat(reason).startsWith("UNKNOWN_SYNC_RULE: ").endsWith("...").doesNotContain("\uFFFD");
        assertThat(StreamHub.closeCode(SyncErrorCode.UNAUTHENTICATED)).isEqualTo(4401);
    }
}
