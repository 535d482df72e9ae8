package dev.nizhal.adapters.websocket;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.text.StorableText;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The first client frame of a stream: {@code {"type":"hello","token":"…","syncRules":["myNotes"],
 * "buckets":{"myNotes":[{"ownerId":"u1"}]}}}. {@code buckets} is optional, per rule (a rule without a filter listens
 * to every bucket it is granted); {@code clientId} is optional (the operators' console shows which clients are
 * connected); fields the server does not know are ignored.
 *
 * <p>The hello is read as strictly as the body of {@code POST /sync/pull}: no duplicate properties, no trailing
 * content, at most {@value #MAX_NESTING_DEPTH} levels; rule names of at most {@value #MAX_NAME_LENGTH} characters;
 * and in the rule names, the client id and every property name and text of a filter, only text PostgreSQL can hold
 * ({@link StorableText}), and numbers of at most {@value #MAX_DIGITS} digits before and after the decimal point. A
 * filter's numbers are passed on exactly as sent ({@code 0.1} stays {@code 0.1}).
 *
 * @param filters the rules in the order sent, each with its filter as JSON text (null: no filter)
 * @param clientId the client's id as it says, or null; shown to operators, never trusted for anything else
 */
record Hello(String token, Map<String, String> filters, String clientId) {
    static final int MAX_CLIENT_ID = 200;

    /** As {@code POST /sync/pull}'s {@code syncRule}. */
    static final int MAX_NAME_LENGTH = 255;

    /** As {@code POST /sync/pull}: deeper JSON is refused while parsing. */
    static final int MAX_NESTING_DEPTH = 128;

    /** As {@code POST /sync/pull}: digits before and after the decimal point of a filter's numbers. */
    static final int MAX_DIGITS = 1000;

    /** A property name that can stand in a path as it is; any other is shown as {@code [?]}. */
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]{0,40}");

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING_DEPTH)
                            .maxNumberLength(MAX_DIGITS)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // a filter's numbers reach SQL as sent: 0.1 must not become 0.1000000000000000055, nor 1e400 Infinity
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .build();

    /**
     * @throws SyncException {@code MALFORMED_REQUEST} saying what is wrong
     */
    static Hello parse(String text, int maxRules) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw malformed("the hello frame is not one JSON object");
        }
        if (root == null || !root.isObject()) {
            throw malformed("the hello frame is not one JSON object");
        }
        if (!"hello".equals(text(root, "type"))) {
            throw malformed("the first frame must be {\"type\":\"hello\", ...}");
        }
        String token = text(root, "token");
        if (token == null || token.isEmpty()) {
            throw new SyncException(SyncErrorCode.UNAUTHENTICATED, "the hello frame carries no token");
        }
        JsonNode rules = root.get("syncRules");
        if (rules == null || !rules.isArray() || rules.isEmpty()) {
            throw malformed("syncRules is a non-empty array of rule names");
        }
        if (rules.size() > maxRules) {
            throw malformed("one socket listens to at most " + maxRules + " sync rules");
        }
        JsonNode buckets = root.get("buckets");
        if (buckets != null && !buckets.isNull() && !buckets.isObject()) {
            throw malformed("buckets is an object: rule name -> array of filter objects");
        }
        Map<String, String> filters = new LinkedHashMap<>();
        for (JsonNode rule : rules) {
            if (!rule.isTextual() || rule.asText().isBlank()) {
                throw malformed("syncRules holds rule names (strings)");
            }
            if (rule.asText().length() > MAX_NAME_LENGTH) {
                throw malformed("a rule name in syncRules is at most " + MAX_NAME_LENGTH + " characters long");
            }
            checkText(rule.asText(), "syncRules[]");
            if (filters.containsKey(rule.asText())) {
                throw malformed("syncRules names '" + rule.asText() + "' twice");
            }
            filters.put(rule.asText(), filter(buckets, rule.asText()));
        }
        if (buckets != null && buckets.isObject()) {
            for (Iterator<String> names = buckets.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!filters.containsKey(name)) {
                    throw malformed("buckets names the rule '" + name + "', which syncRules does not");
                }
            }
        }
        JsonNode clientId = root.get("clientId");
        if (clientId != null
                && !clientId.isNull()
                && (!clientId.isTextual()
                        || clientId.asText().isEmpty()
                        || clientId.asText().length() > MAX_CLIENT_ID)) {
            throw malformed("clientId is a non-empty string of at most " + MAX_CLIENT_ID + " characters");
        }
        if (clientId != null && clientId.isTextual()) {
            checkText(clientId.asText(), "clientId");
        }
        return new Hello(token, filters, clientId == null || clientId.isNull() ? null : clientId.asText());
    }

    private static String filter(JsonNode buckets, String rule) {
        JsonNode filter = buckets == null || buckets.isNull() ? null : buckets.get(rule);
        if (filter == null || filter.isNull()) {
            return null;
        }
        if (!filter.isArray()) {
            throw malformed("buckets." + rule + " is an array of filter objects");
        }
        for (int i = 0; i < filter.size(); i++) {
            if (!filter.get(i).isObject()) {
                throw malformed("buckets." + rule + " is an array of filter objects");
            }
            checkTree(filter.get(i), "buckets." + plain(rule) + "[" + i + "]");
        }
        return filter.toString();
    }

    /** Every property name, text and number below {@code node}, as {@code POST /sync/pull} checks its buckets. */
    private static void checkTree(JsonNode node, String path) {
        if (node.isTextual()) {
            checkText(node.textValue(), path);
        } else if (node.isBigDecimal()) {
            BigDecimal value = node.decimalValue();
            // precision − scale: the digits before the point (negative scale: trailing zeros of an exponent)
            if (value.scale() > MAX_DIGITS || (long) value.precision() - value.scale() > MAX_DIGITS) {
                throw malformed(path + " is out of range: at most " + MAX_DIGITS
                        + " digits before and after the decimal point");
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> property : node.properties()) {
                String childPath = path + "." + plain(property.getKey());
                checkText(property.getKey(), childPath);
                checkTree(property.getValue(), childPath);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkTree(node.get(i), path + "[" + i + "]");
            }
        }
    }

    private static void checkText(String text, String path) {
        Optional<String> problem = StorableText.problem(text);
        if (problem.isPresent()) {
            throw malformed(path + " " + problem.get());
        }
    }

    /** A name as it may appear in a close reason: never a control character or half a surrogate pair. */
    private static String plain(String name) {
        return PLAIN_NAME.matcher(name).matches() ? name : "[?]";
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node != null && node.isTextual() ? node.asText() : null;
    }

    private static SyncException malformed(String message) {
        return new SyncException(SyncErrorCode.MALFORMED_REQUEST, message);
    }
}
