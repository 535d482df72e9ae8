package dev.nizhal.adapters.json;

import static dev.nizhal.adapters.json.ArgsFixtures.VALID_ORDER;
import static dev.nizhal.adapters.json.ArgsFixtures.refused;
import static dev.nizhal.adapters.json.ArgsFixtures.refusedOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.InstanceOfAssertFactories.LIST;

import dev.nizhal.adapters.json.ArgsFixtures.AddNote;
import dev.nizhal.adapters.json.ArgsFixtures.Blob;
import dev.nizhal.adapters.json.ArgsFixtures.Color;
import dev.nizhal.adapters.json.ArgsFixtures.Filter;
import dev.nizhal.adapters.json.ArgsFixtures.Line;
import dev.nizhal.adapters.json.ArgsFixtures.PlaceOrder;
import dev.nizhal.adapters.json.ArgsFixtures.Positive;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.out.ArgsCodec.Violation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class JacksonArgsCodecTest {
    private final JacksonArgsCodec codec = new JacksonArgsCodec();

    // ---- success ----

    @Test
    void decodesTheSeedsAddNote() {
        assertThat(codec.decode(AddNote.class, "{\"id\":\"n1\",\"body\":\"hello\"}"))
                .isEqualTo(new AddNote("n1", "hello"));
        assertThat(codec.decode(AddNote.class, "{\"body\":\"hello\"}")).isEqualTo(new AddNote(null, "hello"));
        assertThat(codec.decode(AddNote.class, " {\"id\":null,\"body\":\"hello\"}\n"))
                .isEqualTo(new AddNote(null, "hello"));
    }

    @Test
    void addNoteRoundTripsThroughEncode() {
        AddNote note = new AddNote("0190f1a2-0000-7000-8000-000000000001", "line 1\nline \"2\" \\ ünï 😀");
        String json = codec.encode(note);
        assertThat(json).startsWith("{\"id\":\"0190f1a2-0000-7000-8000-000000000001\",\"body\":");
        assertThat(codec.decode(AddNote.class, json)).isEqualTo(note);
    }

    @Test
    void decodesNestedRecordsListsMapsAndScalars() {
        PlaceOrder order = codec.decode(PlaceOrder.class, VALID_ORDER);
        assertThat(order.lines()).containsExactly(new Line("a1", 2, 9.5), new Line("b", 1, 0.25));
        assertThat(order.tags()).containsExactly(Map.entry("k", "v"));
        assertThat(order.color()).isEqualTo(Color.RED);
        assertThat(order.version()).isEqualTo(7L);
        assertThat(order.listId()).isEqualTo(UUID.fromString("0190f1a2-0000-7000-8000-000000000001"));
        assertThat(order.express()).isTrue();
        assertThat(order.ratio()).isEqualTo(0.5f);
        assertThat(codec.decode(PlaceOrder.class, codec.encode(order))).isEqualTo(order);
    }

    @Test
    void anIntegerIsANumberButNotTheOtherWayRound() {
        assertThat(codec.decode(Line.class, "{\"sku\":\"a\",\"qty\":1,\"price\":3}")
                        .price())
                .isEqualTo(3.0);
        assertThat(refusedOnce(codec, Line.class, "{\"sku\":\"a\",\"qty\":1.0,\"price\":3}"))
                .isEqualTo(new Violation("qty", "expected an integer, got a decimal number"));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   ", "\n", "null", " null "})
    void absentArgsDecodeAsAnEmptyObject(String json) {
        assertThat(codec.decode(Filter.class, json)).isEqualTo(new Filter(null, null));
        assertThat(refused(codec, AddNote.class, json)).containsExactly(new Violation("body", "must not be null"));
    }

    // ---- what binding refuses, one kind at a time ----

    @Test
    void unknownPropertyNamesThePropertyAndTheKnownOnes() {
        assertThat(refusedOnce(codec, AddNote.class, "{\"body\":\"a\",\"color\":\"red\"}"))
                .isEqualTo(new Violation("color", "unknown property (expected body, id)"));
        assertThat(refusedOnce(codec, PlaceOrder.class, VALID_ORDER.replace("\"qty\":1,", "\"qty\":1,\"x\":1,")))
                .isEqualTo(new Violation("lines[1].x", "unknown property (expected price, qty, sku)"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"body":5}                                 | body | expected a string, got an integer
            {"body":1.5}                               | body | expected a string, got a decimal number
            {"body":true}                              | body | expected a string, got a boolean
            {"body":{}}                                | body | expected a string, got an object
            {"body":["a"]}                             | body | expected a string, got an array
            {"id":7,"body":"a"}                        | id   | expected a string, got an integer
            []                                         | ''   | expected an object, got an array
            5                                          | ''   | expected an object, got an integer
            "body"                                     | ''   | expected an object, got a string
            """)
    void wrongJsonTypesForAddNote(String json, String path, String message) {
        assertThat(refusedOnce(codec, AddNote.class, json)).isEqualTo(new Violation(path, message));
    }

    @ParameterizedTest(name = "{1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            "qty":2          | "qty":"5"        | lines[0].qty | expected an integer, got a string
            "qty":2          | "qty":true       | lines[0].qty | expected an integer, got a boolean
            "qty":2          | "qty":2.5        | lines[0].qty | expected an integer, got a decimal number
            "qty":2          | "qty":null       | lines[0].qty | must not be null (expected an integer)
            "qty":2,         | ''               | lines[0].qty | is required (expected an integer)
            "price":9.5      | "price":"9.5"    | lines[0].price | expected a number, got a string
            "version":7      | "version":"7"    | version      | expected an integer, got a string
            "express":true   | "express":"true" | express      | expected a boolean, got a string
            "express":true   | "express":1      | express      | expected a boolean, got an integer
            "color":"RED"    | "color":"BLUE"   | color        | expected one of RED, GREEN
            "color":"RED"    | "color":0        | color        | expected one of RED, GREEN, got an integer
            "color":"RED"    | "color":""       | color        | expected one of RED, GREEN
            "listId":"0190f1a2-0000-7000-8000-000000000001" | "listId":"nope" | listId | expected a UUID string
            "tags":{"k":"v"} | "tags":{"k":5}   | tags.k       | expected a string, got an integer
            "tags":{"k":"v"} | "tags":["v"]     | tags         | expected an object, got an array
            "tags":{"k":"v"} | "tags":""        | tags         | expected an object, got a string
            "lines":[        | "lines":{"a":[   | lines        | expected an array, got an object
            """)
    void wrongJsonTypesInNestedArgs(String valid, String replacement, String path, String message) {
        assertThat(VALID_ORDER).contains(valid);
        String json = VALID_ORDER.replace(valid, replacement);
        assertThat(refusedOnce(codec, PlaceOrder.class, json)).isEqualTo(new Violation(path, message));
    }

    @Test
    void fiveIsNotAnIntFromAString() {
        assertThat(refusedOnce(codec, Positive.class, "{\"n\":\"5\"}"))
                .isEqualTo(new Violation("n", "expected an integer, got a string"));
        assertThat(codec.decode(Positive.class, "{\"n\":5}")).isEqualTo(new Positive(5));
    }

    @Test
    void duplicateKeysAreRefusedWhereTheyOccur() {
        assertThat(refusedOnce(codec, AddNote.class, "{\"body\":\"a\",\"body\":\"b\"}"))
                .isEqualTo(new Violation("body", "duplicate property"));
        assertThat(refusedOnce(
                        codec, PlaceOrder.class, VALID_ORDER.replace("{\"k\":\"v\"}", "{\"k\":\"v\",\"k\":\"w\"}")))
                .isEqualTo(new Violation("tags.k", "duplicate property"));
        assertThat(refusedOnce(codec, PlaceOrder.class, VALID_ORDER.replace("\"qty\":1,", "\"qty\":1,\"qty\":1,")))
                .isEqualTo(new Violation("lines[1].qty", "duplicate property"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"body\":\"a\"} x",
                "{\"body\":\"a\"}{}",
                "{\"body\":\"a\"},",
                "{\"body\":\"a\"}]",
                "{\"body\":\"a\"} {\"body\":\"b\"}",
                "{\"body\":\"a\"} 5",
                "{\"body\":\"a\"}\u0000"
            })
    void trailingContentIsRefused(String json) {
        assertThat(refusedOnce(codec, AddNote.class, json))
                .isEqualTo(new Violation("", "unexpected content after the args object"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"body": tru}          | body | malformed JSON at line 1, column 10
            {"body":"a"            | body | malformed JSON at line 1, column 12
            {body:"a"}             | ''   | malformed JSON at line 1, column 2
            {"body":"a",}          | body | malformed JSON at line 1, column 13
            {"body":NaN}           | body | malformed JSON at line 1, column 12
            {"body":"a" /* c */}   | body | malformed JSON at line 1, column 13
            {"body":01}            | body | malformed JSON at line 1, column 10
            """)
    void malformedJsonSaysWhere(String json, String path, String message) {
        assertThat(refusedOnce(codec, AddNote.class, json)).isEqualTo(new Violation(path, message));
    }

    @Test
    void linesAreCountedInMultiLineArgs() {
        assertThat(refusedOnce(codec, AddNote.class, "{\n  \"id\": \"a\",\n  \"body\": tru\n}"))
                .isEqualTo(new Violation("body", "malformed JSON at line 3, column 11"));
    }

    @Test
    void unescapedControlCharactersAreMalformed() {
        assertThat(refusedOnce(codec, AddNote.class, "{\"body\":\"a\u0001b\"}").message())
                .startsWith("malformed JSON at line 1");
    }

    // ---- numbers ----

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            "price":9.5  | "price":1e400                  | lines[0].price | number out of range
            "price":9.5  | "price":-1e400                 | lines[0].price | number out of range
            "ratio":0.5  | "ratio":1e39                   | ratio          | number out of range
            "qty":2      | "qty":2147483648               | lines[0].qty   | number out of range (expected an integer from -2147483648 to 2147483647)
            "qty":2      | "qty":-99999999999999999999    | lines[0].qty   | number out of range (expected an integer from -2147483648 to 2147483647)
            "version":7  | "version":9223372036854775808  | version        | number out of range (expected an integer from -9223372036854775808 to 9223372036854775807)
            "version":7  | "version":1e400                | version        | number out of range (expected an integer from -9223372036854775808 to 9223372036854775807)
            """)
    void numbersThatDoNotFitTheirTypeAreRefused(String valid, String replacement, String path, String message) {
        String json = VALID_ORDER.replace(valid, replacement);
        assertThat(refusedOnce(codec, PlaceOrder.class, json)).isEqualTo(new Violation(path, message));
    }

    @Test
    void tinyNumbersAndTheLargestFittingOnesAreFine() {
        assertThat(codec.decode(
                                PlaceOrder.class,
                                VALID_ORDER.replace("\"version\":7", "\"version\":9223372036854775807"))
                        .version())
                .isEqualTo(Long.MAX_VALUE);
        assertThat(codec.decode(Line.class, "{\"sku\":\"a\",\"qty\":1,\"price\":1e-400}")
                        .price())
                .isZero();
        assertThat(codec.decode(Line.class, "{\"sku\":\"a\",\"qty\":1,\"price\":1.7976931348623157e308}")
                        .price())
                .isEqualTo(Double.MAX_VALUE);
    }

    @Test
    void aThousandDigitNumberIsTooLong() {
        String json = VALID_ORDER.replace("\"version\":7", "\"version\":" + "9".repeat(1500));
        assertThat(refusedOnce(codec, PlaceOrder.class, json))
                .isEqualTo(new Violation("version", "number is too long"));
    }

    // ---- other refusals ----

    @Test
    void deepNestingIsRefusedEvenUnderAnUnknownProperty() {
        int depth = JacksonArgsCodec.MAX_NESTING_DEPTH + 1;
        String json = "{\"body\":\"a\",\"junk\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
        Violation error = refusedOnce(codec, AddNote.class, json);
        assertThat(error.message()).isEqualTo("nested too deeply");
        assertThat(error.path()).startsWith("junk[0][0]").hasSizeLessThanOrEqualTo(JacksonArgsCodec.MAX_PATH_LENGTH);
    }

    @Test
    void aRecordsOwnConstructorRefusalIsReportedWithoutItsText() {
        assertThat(refusedOnce(codec, Positive.class, "{\"n\":-1}"))
                .isEqualTo(new Violation("", "is not a valid value"));
    }

    @Test
    void longPathsAreShortenedAndVeryLongNamesRefused() {
        Violation error = refusedOnce(codec, AddNote.class, "{\"body\":\"a\",\"" + "p".repeat(40_000) + "\":1}");
        assertThat(error.path()).hasSize(JacksonArgsCodec.MAX_PATH_LENGTH).endsWith("...");
        assertThat(error.message()).startsWith("unknown property");
        // Jackson's own bound on names (50 000 chars) comes first
        assertThat(refusedOnce(codec, AddNote.class, "{\"body\":\"a\",\"" + "p".repeat(60_000) + "\":1}")
                        .message())
                .isEqualTo("property name is too long");
    }

    @Test
    void oddPropertyNamesAreQuotedInPaths() {
        assertThat(refusedOnce(codec, AddNote.class, "{\"body\":\"a\",\"a.b \\\"c\\\"\":1}"))
                .isEqualTo(new Violation("[\"a.b \\\"c\\\"\"]", "unknown property (expected body, id)"));
        assertThat(refusedOnce(codec, PlaceOrder.class, VALID_ORDER.replace("{\"k\":\"v\"}", "{\"k-1\":5}"))
                        .path())
                .isEqualTo("tags[\"k-1\"]");
    }

    // ---- validation ----

    @Test
    void validationReportsEveryViolationWithItsPath() {
        String json = """
                {"lines":[{"sku":"a","qty":1,"price":1},{"sku":"","qty":0,"price":1},{"sku":"abcdefg","qty":100,"price":1}],
                 "tags":{"ok":"v","a.b":"long"},"version":1,"ratio":1,"code":"ABC"}""";
        SyncException failure = catchThrowableOfType(SyncException.class, () -> codec.decode(PlaceOrder.class, json));
        ArgsFixtures.assertRefusal(codec, failure);
        assertThat(codec.violations(failure))
                .containsExactly(
                        new Violation("code", "must match \"[a-z]+\""),
                        new Violation("lines[1].qty", "must be greater than or equal to 1"),
                        new Violation("lines[1].sku", "must not be blank"),
                        new Violation("lines[2].qty", "must be less than or equal to 99"),
                        new Violation("lines[2].sku", "size must be between 0 and 5"),
                        new Violation("tags[\"a.b\"]", "size must be between 0 and 3"));
        assertThat(failure.getMessage()).isEqualTo("invalid args: code: must match \"[a-z]+\" (and 5 more)");
        assertThat(failure.details().get("errors"))
                .asInstanceOf(LIST)
                .first()
                .isEqualTo(Map.of("path", "code", "message", "must match \"[a-z]+\""));
    }

    @Test
    void seedArgsLimits() {
        assertThat(refused(
                        codec,
                        AddNote.class,
                        "{\"id\":\"" + "i".repeat(65) + "\",\"body\":\"" + "b".repeat(10_001) + "\"}"))
                .containsExactly(
                        new Violation("body", "size must be between 0 and 10000"),
                        new Violation("id", "size must be between 0 and 64"));
        assertThat(codec.decode(
                        AddNote.class, "{\"id\":\"" + "i".repeat(64) + "\",\"body\":\"" + "b".repeat(10_000) + "\"}"))
                .isNotNull();
    }

    @Test
    void nullListElementsAndMissingRequiredListsHavePaths() {
        assertThat(refused(codec, PlaceOrder.class, VALID_ORDER.replace("{\"sku\":\"b\"", "null,{\"sku\":\"b\"")))
                .containsExactly(new Violation("lines[1]", "must not be null"));
        assertThat(refused(codec, PlaceOrder.class, "{\"version\":1,\"ratio\":1}"))
                .containsExactly(new Violation("lines", "must not be null"));
    }

    @Test
    void messagesAreEnglishWhateverTheDefaultLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            JacksonArgsCodec german = new JacksonArgsCodec();
            assertThat(refused(german, AddNote.class, "{}")).containsExactly(new Violation("body", "must not be null"));
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void aBigListOfViolationsIsCutInTheDetailsButCountedInTheMessage() {
        record Many(List<@jakarta.validation.constraints.Positive Integer> values) {}
        String values = String.join(",", Collections.nCopies(250, "-1"));
        SyncException failure = catchThrowableOfType(
                SyncException.class, () -> codec.decode(Many.class, "{\"values\":[" + values + "]}"));
        ArgsFixtures.assertRefusal(codec, failure);
        assertThat(codec.violations(failure)).hasSize(JacksonArgsCodec.MAX_REPORTED_ERRORS);
        assertThat(failure.getMessage()).endsWith("(and 249 more)");
    }

    // ---- unicode and the size limit ----

    @Test
    void unicodeIsDecodedRawAndEscaped() {
        String text = "héllo wörld 😀 中文 \u2028 end";
        assertThat(codec.decode(AddNote.class, "{\"body\":\"" + text + "\"}").body())
                .isEqualTo(text);
        assertThat(codec.decode(AddNote.class, "{\"body\":\"h\\u00e9llo \\ud83d\\ude00 \\u4e2d\"}")
                        .body())
                .isEqualTo("héllo 😀 中");
        assertThat(codec.decode(AddNote.class, codec.encode(new AddNote("ü", text))))
                .isEqualTo(new AddNote("ü", text));
    }

    @Test
    void sizeCountsUtf16UnitsLikeJava() {
        // Jakarta's @Size counts chars, so 5 000 emoji (10 000 chars) fit and 5 001 do not
        assertThat(codec.decode(AddNote.class, "{\"body\":\"" + "😀".repeat(5_000) + "\"}"))
                .isNotNull();
        assertThat(refused(codec, AddNote.class, "{\"body\":\"" + "😀".repeat(5_001) + "\"}"))
                .containsExactly(new Violation("body", "size must be between 0 and 10000"));
    }

    @Test
    void argsOfExactlyTheLimitAreDecodedAndOneByteMoreIsRefused() {
        int limit = JacksonArgsCodec.DEFAULT_MAX_ARGS_BYTES;
        String atLimit = blob("a".repeat(limit - 11));
        assertThat(atLimit.getBytes(StandardCharsets.UTF_8)).hasSize(limit);
        assertThat(codec.decode(Blob.class, atLimit).data()).hasSize(limit - 11);

        String over = blob("a".repeat(limit - 10));
        assertThat(refusedOnce(codec, Blob.class, over))
                .isEqualTo(new Violation("", "args are larger than 262144 bytes (UTF-8), the limit"));
    }

    @Test
    void theLimitCountsUtf8BytesNotCharacters() {
        int limit = JacksonArgsCodec.DEFAULT_MAX_ARGS_BYTES;
        // 3-byte characters up to the limit exactly
        String threeByteAtLimit = blob("中".repeat((limit - 13) / 3) + "aa");
        assertThat(threeByteAtLimit.getBytes(StandardCharsets.UTF_8)).hasSize(limit);
        assertThat(codec.decode(Blob.class, threeByteAtLimit)).isNotNull();
        // fewer characters than the limit, more bytes
        String twoByteOver = blob("é".repeat((limit - 11) / 2 + 1));
        assertThat(twoByteOver.length()).isLessThan(limit);
        assertThat(twoByteOver.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(limit);
        assertThat(refusedOnce(codec, Blob.class, twoByteOver).message()).startsWith("args are larger than");
        // 4-byte characters (surrogate pairs) over by one byte
        String fourByteOver = blob("😀".repeat((limit - 11) / 4) + "aa");
        assertThat(fourByteOver.getBytes(StandardCharsets.UTF_8)).hasSize(limit + 1);
        assertThat(refusedOnce(codec, Blob.class, fourByteOver).message()).startsWith("args are larger than");
    }

    @Test
    void theLimitIsConfigurable() {
        JacksonArgsCodec small = new JacksonArgsCodec(16);
        assertThat(small.decode(AddNote.class, "{\"body\":\"12345\"}")).isEqualTo(new AddNote(null, "12345"));
        assertThat(refusedOnce(small, AddNote.class, "{\"body\":\"123456\"}"))
                .isEqualTo(new Violation("", "args are larger than 16 bytes (UTF-8), the limit"));
        assertThatThrownBy(() -> new JacksonArgsCodec(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void utf8LengthAgreesWithTheJdkEncoder() {
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(20); n > 0; n--) {
                text.appendCodePoint(
                        switch (random.nextInt(4)) {
                            case 0 -> random.nextInt(0x80);
                            case 1 -> 0x80 + random.nextInt(0x800 - 0x80);
                            case 2 -> 0xE000 + random.nextInt(0x10000 - 0xE000); // 3 bytes, outside the surrogates
                            default -> 0x10000 + random.nextInt(0x110000 - 0x10000);
                        });
            }
            String s = text.toString();
            assertThat(JacksonArgsCodec.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    private static String blob(String data) {
        return "{\"data\":\"" + data + "\"}";
    }

    // ---- encode ----

    @Test
    void encodesResultValues() {
        assertThat(codec.encode("0190f1a2")).isEqualTo("\"0190f1a2\"");
        assertThat(codec.encode(42)).isEqualTo("42");
        assertThat(codec.encode(42L)).isEqualTo("42");
        assertThat(codec.encode(2.5)).isEqualTo("2.5");
        assertThat(codec.encode(true)).isEqualTo("true");
        assertThat(codec.encode(null)).isEqualTo("null");
        assertThat(codec.encode(new AddNote("n1", "b"))).isEqualTo("{\"id\":\"n1\",\"body\":\"b\"}");
        assertThat(codec.encode(new AddNote(null, "b"))).isEqualTo("{\"id\":null,\"body\":\"b\"}");
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("ids", List.of("a", "b"));
        map.put("count", 2);
        assertThat(codec.encode(map)).isEqualTo("{\"ids\":[\"a\",\"b\"],\"count\":2}");
        assertThat(codec.encode(List.of(1, "x", List.of()))).isEqualTo("[1,\"x\",[]]");
        assertThat(codec.encode(UUID.fromString("0190f1a2-0000-7000-8000-000000000001")))
                .isEqualTo("\"0190f1a2-0000-7000-8000-000000000001\"");
    }

    @Test
    void aValueThatIsNotJsonIsAServerBugNotAClientError() {
        assertThatThrownBy(() -> codec.encode(new Object())).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- canonical JSON (for comparing a replay's args) ----

    @Test
    void canonicalJsonSortsKeysAndDropsWhitespace() {
        String a = codec.canonicalJson(" { \"b\" : [ 1 , {\"z\":true, \"a\":null} ],\n \"a\":\"\\u00e9\" } ");
        String b = codec.canonicalJson("{\"a\":\"é\",\"b\":[1,{\"a\":null,\"z\":true}]}");
        assertThat(a).isEqualTo(b).isEqualTo("{\"a\":\"é\",\"b\":[1,{\"a\":null,\"z\":true}]}");
        assertThat(codec.canonicalJson("[3, 1, 2]")).isEqualTo("[3,1,2]");
        assertThat(codec.canonicalJson(" \"x\" ")).isEqualTo("\"x\"");
        assertThat(codec.canonicalJson("null")).isEqualTo("null");
    }

    @Test
    void canonicalJsonKeepsWhatDecodingWouldRefuse() {
        // "1.0" must not become 1 (an int the original is not), nor 1e400 a finite number
        assertThat(codec.canonicalJson("{\"n\":1.0}")).isEqualTo("{\"n\":1.0}");
        assertThat(refusedOnce(codec, Positive.class, codec.canonicalJson("{\"n\":1.0}"))
                        .message())
                .isEqualTo("expected an integer, got a decimal number");
        assertThat(refusedOnce(codec, Line.class, codec.canonicalJson("{\"sku\":\"a\",\"qty\":1,\"price\":1e400}")))
                .isEqualTo(new Violation("price", "number out of range"));
        assertThat(codec.canonicalJson("{\"big\":123456789012345678901234567890}"))
                .isEqualTo("{\"big\":123456789012345678901234567890}");
        String order = codec.canonicalJson(VALID_ORDER);
        assertThat(codec.decode(PlaceOrder.class, order)).isEqualTo(codec.decode(PlaceOrder.class, VALID_ORDER));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "{", "{\"a\":1} x", "{\"a\":1}{}", "{\"a\":1,\"a\":2}", "{a:1}", "[1,]"})
    void canonicalJsonRefusesAnythingButOneWellFormedValue(String json) {
        SyncException failure = catchThrowableOfType(SyncException.class, () -> codec.canonicalJson(json));
        assertThat(failure).as(json).isNotNull();
        assertThat(failure.code()).isEqualTo(SyncErrorCode.MALFORMED_REQUEST);
        assertThat(failure.getMessage()).startsWith("args are not one well-formed JSON value");
        for (String leak : ArgsFixtures.LEAKS) {
            assertThat(failure.getMessage() + failure.details()).doesNotContain(leak);
        }
    }

    // ---- the port's contract ----

    @Test
    void argsTypesAreRecords() {
        assertThatThrownBy(() -> codec.decode(String.class, "{}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("records");
        assertThatThrownBy(() -> codec.jsonSchema(Map.class)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void violationsAreEmptyForOtherFailures() {
        assertThat(codec.violations(new IllegalStateException("x"))).isEmpty();
        assertThat(codec.violations(new SyncException(SyncErrorCode.INVALID_ARGS, "no details")))
                .isEmpty();
        assertThat(codec.violations(new SyncException(SyncErrorCode.MUTATOR_FAILED, "x", Map.of("errors", List.of()))))
                .isEmpty();
    }

    @Test
    void oneCodecServesManyThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int n = i;
                results.add(pool.submit(() -> switch (n % 4) {
                    case 0 ->
                        codec.decode(AddNote.class, "{\"body\":\"" + n + "\"}").body();
                    case 1 ->
                        codec.violations(catchThrowableOfType(
                                        SyncException.class, () -> codec.decode(PlaceOrder.class, "{\"lines\":5}")))
                                .toString();
                    case 2 -> codec.jsonSchema(n % 8 == 2 ? PlaceOrder.class : AddNote.class);
                    default -> codec.encode(codec.decode(PlaceOrder.class, VALID_ORDER));
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                String result = results.get(i).get();
                switch (i % 4) {
                    case 0 -> assertThat(result).isEqualTo(Integer.toString(i));
                    case 1 -> assertThat(result).contains("expected an array, got an integer");
                    case 2 ->
                        assertThat(result).isEqualTo(codec.jsonSchema(i % 8 == 2 ? PlaceOrder.class : AddNote.class));
                    default ->
                        assertThat(codec.decode(PlaceOrder.class, result))
                                .isEqualTo(codec.decode(PlaceOrder.class, VALID_ORDER));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
