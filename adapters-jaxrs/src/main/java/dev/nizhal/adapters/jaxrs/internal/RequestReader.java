package dev.nizhal.adapters.jaxrs.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.nizhal.adapters.jaxrs.WireLimits;
import dev.nizhal.domain.text.StorableText;
import dev.nizhal.ports.in.PullChanges.PullRequest;
import dev.nizhal.ports.in.PushMutations.MutationRequest;
import dev.nizhal.ports.in.PushMutations.PushRequest;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the JSON envelopes of {@code POST /sync/pull} and {@code POST /sync/push} strictly (PROTOCOL.md): one UTF-8
 * JSON object, no duplicate properties, no trailing content; each known property of the right JSON type (no coercion:
 * {@code "5"} is not a number, {@code 5.0} is not an integer); mutation ids within 1 … 2^53−1. Unknown properties are
 * ignored, so that a newer client's additions do not break an older server. Every problem is a {@code
 * MALFORMED_REQUEST} with {@code details.errors} naming each offending path.
 *
 * <p>Values the server stores or hands to SQL are also refused when PostgreSQL could not take them, so that they are
 * a client error here rather than a failed transaction later: text containing U+0000 or an unpaired surrogate,
 * numbers with more than {@value #MAX_DIGITS} digits before or after the decimal point, and names ({@code syncRule},
 * {@code clientId}, a mutation's {@code name}) longer than {@value #MAX_NAME_LENGTH} characters.
 */
public final class RequestReader {
    /** The longest {@code syncRule}, {@code clientId} and mutation {@code name}: a client id is an indexed key. */
    public static final int MAX_NAME_LENGTH = 255;

    /** Mutation ids are JSON-safe integers: 1 … 2^53−1 (PROTOCOL.md). */
    public static final long MAX_MUTATION_ID = (1L << 53) - 1;

    /** Deeper JSON is refused while parsing: the envelope is three levels, args get the rest. */
    static final int MAX_NESTING_DEPTH = 128;

    /** Digits before and after the decimal point of any number, well inside PostgreSQL's numeric (jsonb) range. */
    static final int MAX_DIGITS = 1000;

    private static final ObjectMapper MAPPER = strictMapper();

    private RequestReader() {}

    /**
     * The pull envelope: {@code syncRule} and {@code clientId} (required strings), {@code cursor} (string or null),
     * {@code buckets} (array of objects, or absent for all granted buckets), {@code held} (array of strings, absent
     * means none) and {@code limit} (integer of at least 1; absent means the default, larger means the maximum).
     *
     * @throws dev.nizhal.domain.error.SyncException {@code MALFORMED_REQUEST} with {@code details.errors}
     */
    public static PullRequest pull(byte[] body, WireLimits limits) {
        JsonNode root = object(body);
        Problems problems = new Problems();
        String syncRule = name(root, "", "syncRule", problems);
        String clientId = name(root, "", "clientId", problems);
        String cursor = cursor(root, problems);
        String buckets = bucketsFilter(root, problems);
        List<String> held = held(root, problems);
        int limit = limit(root, limits, problems);
        problems.throwIfAny();
        return new PullRequest(syncRule, clientId, cursor, buckets, held, limit);
    }

    /**
     * The push envelope: {@code clientId} (required string) and {@code mutations} (a non-empty array of objects, each
     * with an integer {@code id}, a string {@code name} and optional {@code args} of any JSON type, passed on as JSON
     * text for the args codec to judge).
     *
     * @throws dev.nizhal.domain.error.SyncException {@code MALFORMED_REQUEST} with {@code details.errors}
     */
    public static PushRequest push(byte[] body) {
        JsonNode root = object(body);
        Problems problems = new Problems();
        String clientId = name(root, "", "clientId", problems);
        List<MutationRequest> mutations = new ArrayList<>();
        JsonNode list = root.get("mutations");
        if (absent(list)) {
            problems.add("mutations", "is required");
        } else if (!list.isArray()) {
            problems.add("mutations", "must be an array");
        } else if (list.isEmpty()) {
            problems.add("mutations", "must hold at least one mutation");
        } else {
            for (int i = 0; i < list.size(); i++) {
                MutationRequest mutation = mutation(list.get(i), WirePath.index("mutations", i), problems);
                if (mutation != null) {
                    mutations.add(mutation);
                }
            }
        }
        problems.throwIfAny();
        return new PushRequest(clientId, mutations);
    }

    private static MutationRequest mutation(JsonNode node, String path, Problems problems) {
        if (!node.isObject()) {
            problems.add(path, "must be an object");
            return null;
        }
        Long id = mutationId(node.get("id"), WirePath.property(path, "id"), problems);
        String name = name(node, path, "name", problems);
        JsonNode args = node.get("args");
        String argsJson = null;
        if (!absent(args)) {
            checkTree(args, WirePath.property(path, "args"), problems);
            argsJson = write(args);
        }
        return id == null || name == null ? null : new MutationRequest(id, name, argsJson);
    }

    private static Long mutationId(JsonNode id, String path, Problems problems) {
        String expected = "must be an integer between 1 and " + MAX_MUTATION_ID;
        if (absent(id)) {
            problems.add(path, "is required");
            return null;
        }
        if (!id.isIntegralNumber()) {
            problems.add(path, expected);
            return null;
        }
        BigInteger value = id.bigIntegerValue();
        if (value.signum() < 1 || value.compareTo(BigInteger.valueOf(MAX_MUTATION_ID)) > 0) {
            problems.add(path, expected);
            return null;
        }
        return value.longValueExact();
    }

    private static String name(JsonNode parent, String parentPath, String property, Problems problems) {
        String path = WirePath.property(parentPath, property);
        JsonNode node = parent.get(property);
        if (absent(node)) {
            problems.add(path, "is required");
            return null;
        }
        if (!node.isTextual()) {
            problems.add(path, "must be a string");
            return null;
        }
        String value = node.textValue();
        if (value.isBlank()) {
            problems.add(path, "must not be empty");
            return null;
        }
        if (value.length() > MAX_NAME_LENGTH) {
            problems.add(path, "must be at most " + MAX_NAME_LENGTH + " characters long");
            return null;
        }
        return checkText(value, path, problems) ? value : null;
    }

    private static String cursor(JsonNode root, Problems problems) {
        JsonNode node = root.get("cursor");
        if (absent(node)) {
            return null;
        }
        if (!node.isTextual()) {
            problems.add("cursor", "must be a string or null");
            return null;
        }
        return checkText(node.textValue(), "cursor", problems) ? node.textValue() : null;
    }

    private static String bucketsFilter(JsonNode root, Problems problems) {
        JsonNode node = root.get("buckets");
        if (absent(node)) {
            return null;
        }
        if (!node.isArray()) {
            problems.add("buckets", "must be an array of objects");
            return null;
        }
        boolean ok = true;
        for (int i = 0; i < node.size(); i++) {
            String path = WirePath.index("buckets", i);
            if (!node.get(i).isObject()) {
                problems.add(path, "must be an object");
                ok = false;
            } else {
                ok &= checkTree(node.get(i), path, problems);
            }
        }
        return ok ? write(node) : null;
    }

    private static List<String> held(JsonNode root, Problems problems) {
        JsonNode node = root.get("held");
        if (absent(node)) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add("held", "must be an array of strings");
            return List.of();
        }
        List<String> held = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String path = WirePath.index("held", i);
            JsonNode element = node.get(i);
            if (!element.isTextual()) {
                problems.add(path, "must be a string");
            } else if (checkText(element.textValue(), path, problems)) {
                held.add(element.textValue());
            }
        }
        return held;
    }

    private static int limit(JsonNode root, WireLimits limits, Problems problems) {
        JsonNode node = root.get("limit");
        if (absent(node)) {
            return limits.defaultPullLimit();
        }
        if (!node.isIntegralNumber()) {
            problems.add("limit", "must be an integer of at least 1");
            return limits.defaultPullLimit();
        }
        BigInteger value = node.bigIntegerValue();
        if (value.signum() < 1) {
            problems.add("limit", "must be an integer of at least 1");
            return limits.defaultPullLimit();
        }
        return value.min(BigInteger.valueOf(limits.maxPullLimit())).intValueExact();
    }

    /** JSON {@code null} and a missing property mean the same everywhere in the envelope. */
    private static boolean absent(JsonNode node) {
        return node == null || node.isNull();
    }

    /** Checks every property name, string and number below {@code node}; false when a problem was added. */
    private static boolean checkTree(JsonNode node, String path, Problems problems) {
        if (node.isTextual()) {
            return checkText(node.textValue(), path, problems);
        }
        if (node.isBigDecimal()) {
            return checkDecimal(node.decimalValue(), path, problems);
        }
        boolean ok = true;
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> property : node.properties()) {
                String childPath = WirePath.property(path, property.getKey());
                ok &= checkText(property.getKey(), childPath, problems);
                ok &= checkTree(property.getValue(), childPath, problems);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                ok &= checkTree(node.get(i), WirePath.index(path, i), problems);
            }
        }
        return ok;
    }

    /** PostgreSQL text and jsonb cannot hold U+0000, and UTF-8 cannot encode half a surrogate pair. */
    private static boolean checkText(String text, String path, Problems problems) {
        Optional<String> problem = StorableText.problem(text);
        problem.ifPresent(p -> problems.add(path, p));
        return problem.isEmpty();
    }

    private static boolean checkDecimal(BigDecimal value, String path, Problems problems) {
        // precision − scale: the digits before the point (negative scale: trailing zeros of an exponent)
        if (value.scale() > MAX_DIGITS || (long) value.precision() - value.scale() > MAX_DIGITS) {
            problems.add(path, "is out of range: at most " + MAX_DIGITS + " digits before and after the decimal point");
            return false;
        }
        return true;
    }

    private static JsonNode object(byte[] body) {
        if (body.length == 0) {
            throw Problems.single("", "the request body is empty; a JSON object is expected");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw Problems.single("", "the request body is not UTF-8 text");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (StreamConstraintsException e) {
            throw Problems.single(
                    "",
                    "the JSON is nested deeper than " + MAX_NESTING_DEPTH + " levels or has a number longer than "
                            + MAX_DIGITS + " digits" + at(e.getLocation()));
        } catch (JsonProcessingException e) {
            throw Problems.single("", describe(e));
        }
        if (root == null || root.isMissingNode()) {
            throw Problems.single("", "the request body holds no JSON value; a JSON object is expected");
        }
        if (!root.isObject()) {
            throw Problems.single("", "must be a JSON object");
        }
        return root;
    }

    /** Jackson's own message names Java types and echoes input, so the client gets a description of ours. */
    private static String describe(JsonProcessingException e) {
        String what;
        if (e instanceof JsonEOFException) {
            what = "the JSON ends too early";
        } else if (e instanceof MismatchedInputException) {
            what = "unexpected content after the JSON value";
        } else if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")) {
            what = "duplicate property";
        } else {
            what = "not well-formed JSON";
        }
        return what + at(e.getLocation());
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree can always be written", e);
        }
    }

    private static ObjectMapper strictMapper() {
        JsonFactory factory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(MAX_DIGITS)
                        .build())
                .build();
        return JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // exact numbers: args are passed on as JSON text, and 0.1 must not come back as 0.1000000000000000055
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                // 1.0 stays 1.0: stripped to 1 it would become an integer that the args codec accepts for an int
                .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
                .build();
    }
}
