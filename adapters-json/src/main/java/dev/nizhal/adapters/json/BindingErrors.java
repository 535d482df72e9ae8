package dev.nizhal.adapters.json;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.nizhal.ports.out.ArgsCodec.Violation;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Turns a Jackson failure into one {@link Violation} for the client. Jackson's own messages name Java types, packages
 * and configuration features, so none of their text is used: the message is built here from the failure's kind, its
 * target type and the token the parser stood on, and the path from the failure's path or the parser's position.
 */
final class BindingErrors {
    /** Enum constants listed in a message at most; an enum of hundreds would drown the path. */
    private static final int MAX_LISTED = 20;

    private BindingErrors() {}

    /**
     * The violation for {@code failure}, thrown while {@code parser} read the args.
     *
     * @throws IllegalArgumentException when the args type itself cannot be bound (a server bug, not the client's)
     */
    static Violation of(JacksonException failure, JsonParser parser) {
        // Syntax and limits are found by the streaming parser, below databind; databind may have wrapped them
        // (adding a coarser path), so look for them first along the cause chain.
        for (Throwable t = failure; t != null; t = t.getCause()) {
            switch (t) {
                case StreamConstraintsException limit -> {
                    return new Violation(parserPath(limit, parser), limitMessage(limit));
                }
                case InputCoercionException range -> {
                    return new Violation(parserPath(range, parser), outOfRange(range.getTargetType()));
                }
                case JsonParseException syntax -> {
                    return new Violation(parserPath(syntax, parser), syntaxMessage(syntax));
                }
                case StreamReadException other -> {
                    return new Violation(parserPath(other, parser), "malformed JSON");
                }
                default -> {}
            }
        }
        if (!(failure instanceof JsonMappingException mapping)) {
            return new Violation(ArgsPath.of(parser.getParsingContext()), "malformed JSON");
        }
        String path = ArgsPath.of(mapping.getPath());
        JsonToken token = currentToken(mapping, parser);
        return switch (mapping) {
            case UnrecognizedPropertyException unknown ->
                new Violation(path, "unknown property" + known(unknown.getKnownPropertyIds()));
            case InvalidFormatException format
            when nonFinite(format.getValue()) -> new Violation(path, outOfRange(format.getTargetType()));
            case MismatchedInputException mismatch
            when mismatch.getTargetType() != null ->
                new Violation(path, mismatchMessage(mismatch.getTargetType(), token));
            case ValueInstantiationException instantiation ->
                // the record's own constructor refused the values; its message is server text, not for clients
                new Violation(path, "is not a valid value");
            case InvalidDefinitionException definition ->
                throw new IllegalArgumentException(
                        "args type " + definition.getType() + " cannot be bound: " + definition.getOriginalMessage(),
                        definition);
            default -> new Violation(path, "is not a valid value");
        };
    }

    private static String parserPath(JacksonException failure, JsonParser parser) {
        JsonParser at = failure.getProcessor() instanceof JsonParser p ? p : parser;
        return ArgsPath.of(at.getParsingContext());
    }

    private static JsonToken currentToken(JacksonException failure, JsonParser parser) {
        JsonParser at = failure.getProcessor() instanceof JsonParser p ? p : parser;
        return at.currentToken();
    }

    private static String mismatchMessage(Class<?> target, JsonToken token) {
        if (target.isPrimitive() && token == JsonToken.END_OBJECT) {
            // a creator property that never came: Jackson asks for the primitive's "absent" value, which fails
            return "is required (" + expected(target) + ")";
        }
        if (token == JsonToken.VALUE_NULL) {
            return "must not be null (" + expected(target) + ")";
        }
        String got = describe(token);
        if (got == null || got.equals(describe(target)) || (token == JsonToken.VALUE_STRING && fromString(target))) {
            // the right kind of JSON value with a wrong content (an unknown enum name, a malformed UUID)
            return expected(target);
        }
        return expected(target) + ", got " + got;
    }

    private static boolean fromString(Class<?> type) {
        return type.isEnum()
                || type == UUID.class
                || type == char.class
                || type == Character.class
                || type == byte[].class;
    }

    private static String expected(Class<?> target) {
        return "expected " + describe(target);
    }

    /** What a JSON value of {@code type} looks like, in the client's words (JSON types, never Java names). */
    static String describe(Class<?> type) {
        if (type == String.class || type == CharSequence.class) {
            return "a string";
        }
        if (type == char.class || type == Character.class) {
            return "a string of one character";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "a boolean";
        }
        if (isInteger(type)) {
            return "an integer";
        }
        if (type == double.class
                || type == Double.class
                || type == float.class
                || type == Float.class
                || BigDecimal.class.isAssignableFrom(type)
                || type == Number.class) {
            return "a number";
        }
        if (type.isEnum()) {
            return "one of "
                    + listed(Arrays.stream(type.getEnumConstants())
                            .map(c -> ((Enum<?>) c).name())
                            .toList());
        }
        if (type == UUID.class) {
            return "a UUID string";
        }
        if (type == byte[].class) {
            return "a base64 string";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type.isRecord() || Map.class.isAssignableFrom(type)) {
            return "an object";
        }
        return "a value of another type";
    }

    private static boolean isInteger(Class<?> type) {
        return type == int.class
                || type == Integer.class
                || type == long.class
                || type == Long.class
                || type == short.class
                || type == Short.class
                || type == byte.class
                || type == Byte.class
                || type == BigInteger.class;
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return null;
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a decimal number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> null;
        };
    }

    private static String outOfRange(Class<?> target) {
        if (target == int.class || target == Integer.class) {
            return "number out of range (expected an integer from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE
                    + ")";
        }
        if (target == long.class || target == Long.class) {
            return "number out of range (expected an integer from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE + ")";
        }
        if (target == short.class || target == Short.class) {
            return "number out of range (expected an integer from " + Short.MIN_VALUE + " to " + Short.MAX_VALUE + ")";
        }
        if (target == byte.class || target == Byte.class) {
            return "number out of range (expected an integer from " + Byte.MIN_VALUE + " to " + Byte.MAX_VALUE + ")";
        }
        return "number out of range";
    }

    private static boolean nonFinite(Object value) {
        return (value instanceof Double d && !Double.isFinite(d)) || (value instanceof Float f && !Float.isFinite(f));
    }

    /**
     * Jackson reports every stream limit with one exception type; its text is the only thing telling them apart. A
     * text that no longer matches after an upgrade falls back to the generic message, never to Jackson's.
     */
    private static String limitMessage(StreamConstraintsException limit) {
        String text = String.valueOf(limit.getOriginalMessage());
        if (text.startsWith("Number value length")) {
            return "number is too long";
        }
        if (text.startsWith("String value length")) {
            return "string is too long";
        }
        if (text.startsWith("Name length")) {
            return "property name is too long";
        }
        if (text.contains("nesting depth")) {
            return "nested too deeply";
        }
        return "exceeds a size limit";
    }

    private static String syntaxMessage(JsonParseException syntax) {
        // STRICT_DUPLICATE_DETECTION reports through the generic syntax exception, with this text since Jackson 2.3
        if (String.valueOf(syntax.getOriginalMessage()).startsWith("Duplicate field")) {
            return "duplicate property";
        }
        JsonLocation at = syntax.getLocation();
        if (at == null || at.getLineNr() < 1) {
            return "malformed JSON";
        }
        return "malformed JSON at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    private static String known(Collection<Object> ids) {
        if (ids == null || ids.isEmpty()) {
            return " (expected none)";
        }
        return " (expected " + listed(ids.stream().map(String::valueOf).sorted().toList()) + ")";
    }

    private static String listed(List<String> names) {
        String shown = names.stream().limit(MAX_LISTED).collect(Collectors.joining(", "));
        return names.size() > MAX_LISTED ? shown + ", ..." : shown;
    }
}
