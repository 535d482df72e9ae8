package dev.nizhal.adapters.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.nizhal.adapters.json.ArgsFixtures.AddNote;
import dev.nizhal.adapters.json.ArgsFixtures.PlaceOrder;
import dev.nizhal.domain.error.SyncException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Mutates valid args (truncation, random characters, type swaps, nesting, duplicated and renamed keys, garbage) and
 * checks the codec's promise on every result: a decoded record, or a SyncException INVALID_ARGS whose text shows no
 * Java internals. Seeded, so a failure is reproducible; the failing input is in the assertion message.
 */
class JacksonArgsCodecFuzzTest {
    private static final long SEED = 20_261_126L;
    private static final int ROUNDS = 2_000;

    private static final String VALID_NOTE = "{\"id\":\"n-1\",\"body\":\"Buy milk 🥛 and ünïcödé\"}";

    /** A JSON scalar or container value: where type swaps and nesting happen. */
    private static final Pattern VALUE =
            Pattern.compile("(?<=:)\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|-?[0-9][0-9.eE+-]*|true|false|null|\\[|\\{)");

    private static final Pattern KEY = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"(?=\\s*:)");

    private static final List<String> REPLACEMENT_VALUES = List.of(
            "\"x\"",
            "\"\"",
            "\"5\"",
            "5",
            "-0",
            "1.5",
            "1e400",
            "-1e400",
            "1e-400",
            "99999999999999999999999",
            "9".repeat(1_200),
            "true",
            "null",
            "[]",
            "{}",
            "[1,[2,[3]]]",
            "{\"a\":{\"b\":{}}}",
            "\"\\ud800\"",
            "\"\\u0000\"",
            "\"RED\"",
            "\"" + "x".repeat(65) + "\"",
            "\"0190f1a2-0000-7000-8000-000000000001\"",
            "[null]",
            "[{\"sku\":\"a\",\"qty\":1,\"price\":1}]");

    private static final String ALPHABET =
            "{}[]\":,\\ \t\n0123456789eE+-.tfnulrsaxq\u0000\u001f\u007fé中😀\ud800\udc00\uffff";

    private final JacksonArgsCodec codec = new JacksonArgsCodec();
    private final Random random = new Random(SEED);

    @Test
    void decodeEitherSucceedsOrRefusesWithInvalidArgsAndNoLeak() {
        int decoded = 0;
        int refused = 0;
        Set<String> messages = new TreeSet<>();
        for (int round = 0; round < ROUNDS; round++) {
            boolean note = round % 2 == 0;
            Class<?> type = note ? AddNote.class : PlaceOrder.class;
            String input = note ? VALID_NOTE : ArgsFixtures.VALID_ORDER;
            for (int mutations = 1 + random.nextInt(3); mutations > 0; mutations--) {
                input = mutate(input);
            }
            try {
                Object value = codec.decode(type, input);
                assertThat(value).as("decoded %s", input).isInstanceOf(type);
                decoded++;
            } catch (SyncException failure) {
                try {
                    ArgsFixtures.assertRefusal(codec, failure);
                } catch (AssertionError e) {
                    fail("round " + round + ", input " + input + ": " + e.getMessage(), e);
                }
                codec.violations(failure).forEach(v -> messages.add(v.message()));
                refused++;
            } catch (RuntimeException | StackOverflowError other) {
                fail("round " + round + ", input " + input + " threw " + other, other);
            }
        }
        // a fuzzer that only ever produced garbage (or nothing but valid args) would prove little
        assertThat(decoded).isGreaterThan(ROUNDS / 50);
        assertThat(refused).isGreaterThan(ROUNDS / 2);
        // and the mutations reach every kind of refusal, not only the syntax errors
        for (String kind : List.of(
                "malformed JSON",
                "unexpected content",
                "unknown property",
                "duplicate property",
                "expected a string",
                "expected an integer",
                "expected an object",
                "must not be null",
                "number out of range",
                "number is too long",
                "nested too deeply",
                "size must be")) {
            assertThat(messages).as("messages seen").anyMatch(message -> message.startsWith(kind));
        }
    }

    private String mutate(String json) {
        return switch (random.nextInt(9)) {
            case 0 -> json.substring(0, random.nextInt(json.length() + 1));
            case 1 -> insert(json, randomText(1 + random.nextInt(4)));
            case 2 -> deleteRange(json);
            case 3 -> swapValue(json);
            case 4 -> nest(json);
            case 5 -> duplicateKey(json);
            case 6 -> renameKey(json);
            case 7 -> random.nextBoolean() ? randomText(random.nextInt(64)) : json + randomText(1 + random.nextInt(8));
            default -> swapValue(swapValue(json));
        };
    }

    private String insert(String json, String text) {
        int at = random.nextInt(json.length() + 1);
        return json.substring(0, at) + text + json.substring(at);
    }

    private String deleteRange(String json) {
        if (json.isEmpty()) {
            return json;
        }
        int from = random.nextInt(json.length());
        int to = Math.min(json.length(), from + 1 + random.nextInt(8));
        return json.substring(0, from) + json.substring(to);
    }

    private String swapValue(String json) {
        List<int[]> spans = spans(VALUE, json, 1);
        if (spans.isEmpty()) {
            return json;
        }
        int[] span = spans.get(random.nextInt(spans.size()));
        String value = REPLACEMENT_VALUES.get(random.nextInt(REPLACEMENT_VALUES.size()));
        // an opening bracket's container is left in place: the swap then leaves a broken document, also worth a try
        return json.substring(0, span[0]) + value + json.substring(span[1]);
    }

    private String nest(String json) {
        int depth = random.nextInt(10) == 0 ? 50 + random.nextInt(200) : 1 + random.nextInt(3);
        if (random.nextBoolean()) {
            return "[".repeat(depth) + json + "]".repeat(depth);
        }
        List<int[]> spans = spans(VALUE, json, 1);
        if (spans.isEmpty()) {
            return "{\"x\":" + json + "}";
        }
        int[] span = spans.get(random.nextInt(spans.size()));
        String value = json.substring(span[0], span[1]);
        String wrapped = random.nextBoolean()
                ? "[".repeat(depth) + value + "]".repeat(depth)
                : "{\"v\":".repeat(depth) + value + "}".repeat(depth);
        return json.substring(0, span[0]) + wrapped + json.substring(span[1]);
    }

    private String duplicateKey(String json) {
        List<int[]> keys = spans(KEY, json, 0);
        if (keys.isEmpty()) {
            return json;
        }
        int[] key = keys.get(random.nextInt(keys.size()));
        String name = json.substring(key[0], key[1]);
        // null first: a wrong-typed first value would be refused before the parser meets the duplicate
        return json.substring(0, key[0]) + name + ":null," + json.substring(key[0]);
    }

    private String renameKey(String json) {
        List<int[]> keys = spans(KEY, json, 0);
        if (keys.isEmpty()) {
            return json;
        }
        int[] key = keys.get(random.nextInt(keys.size()));
        String name = random.nextBoolean()
                ? "\"" + randomText(1 + random.nextInt(5)).replaceAll("[\"\\\\]", "") + "\""
                : "\"ID\"";
        return json.substring(0, key[0]) + name + json.substring(key[1]);
    }

    private String randomText(int length) {
        StringBuilder text = new StringBuilder();
        while (text.length() < length) {
            int at = random.nextInt(ALPHABET.length());
            text.append(ALPHABET.charAt(at));
        }
        return text.toString();
    }

    private static List<int[]> spans(Pattern pattern, String json, int group) {
        List<int[]> spans = new ArrayList<>();
        Matcher matcher = pattern.matcher(json);
        while (matcher.find()) {
            spans.add(new int[] {matcher.start(group), matcher.end(group)});
        }
        return spans;
    }
}
