package dev.nizhal.adapters.websocket;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first client frame of a stream: {@code {"type":"hello","token":"…","syncRules":["myNotes"],
 * "buckets":{"myNotes":[{"ownerId":"u1"}]}}}. {@code buckets} is optional, per rule (a rule without a filter listens
 * to every bucket it is granted); {@code clientId} is optional (the operators' console shows which clients are
 * connected); fields the server does not know are ignored.
 *
 * @param filters the rules in the order sent, each with its filter as JSON text (null: no filter)
 * @param clientId the client's id as it says, or null; shown to operators, never trusted for anything else
 */
record Hello(String token, Map<String, String> filters, String clientId) {
    static final int MAX_CLIENT_ID = 200;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
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
            if (!rule.isTextual() || rule.asText().isEmpty()) {
                throw malformed("syncRules holds rule names (strings)");
            }
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
        for (JsonNode item : filter) {
            if (!item.isObject()) {
                throw malformed("buckets." + rule + " is an array of filter objects");
            }
        }
        return filter.toString();
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node != null && node.isTextual() ? node.asText() : null;
    }

    private static SyncException malformed(String message) {
        return new SyncException(SyncErrorCode.MALFORMED_REQUEST, message);
    }
}
