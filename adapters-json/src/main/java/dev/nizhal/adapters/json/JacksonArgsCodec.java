package dev.nizhal.adapters.json;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.out.ArgsCodec;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.hibernate.validator.HibernateValidator;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

/**
 * The {@link ArgsCodec} on Jackson (strict JSON binding), Hibernate Validator (Jakarta constraints on the args record)
 * and the victools generator (JSON Schema of the args record).
 *
 * <p><b>Decoding</b> accepts exactly what the args record describes, as JSON types: an object whose properties are the
 * record's components; strings for {@code String} (and enum names, UUIDs), integers for integral types, numbers for
 * {@code double}/{@code float}/{@code BigDecimal}, booleans for {@code boolean}, arrays for lists, objects for maps and
 * nested records. Nothing is coerced ({@code "5"} is not an {@code int}, {@code 5} is not a {@code String}, {@code
 * 1.0} is not an {@code int}); unknown and duplicate properties, trailing content, numbers that overflow their type
 * (also {@code 1e400} for a {@code double}), and a {@code null} or missing primitive are refused. Absent or {@code
 * null} args ({@code null}, empty or blank text, JSON {@code null}) decode as {@code {}}. Args larger than the limit
 * (UTF-8 bytes, {@value #DEFAULT_MAX_ARGS_BYTES} by default) are refused before parsing. The decoded record is then
 * validated; nested records are validated where their component is marked {@code @Valid} (Jakarta's rule, e.g.
 * {@code List<@Valid Item> items}).
 *
 * <p>Every refusal is a {@link SyncException} with {@link SyncErrorCode#INVALID_ARGS}; its {@code details.errors} is a
 * list of {@code {"path": ..., "message": ...}} (at most {@value #MAX_REPORTED_ERRORS}). A path is dotted with indexes
 * in brackets ({@code items[2].qty}, {@code tags["a.b"]}, the empty string for the args themselves). Binding stops at
 * the first problem, so it reports one error; validation reports all of its violations. Messages are written for
 * clients and never contain Java type names or stack traces.
 *
 * <p>Thread-safe: the mapper, the validator and the schema generator are built once, in the constructor.
 */
public final class JacksonArgsCodec implements ArgsCodec {
    /** The protocol's default limit for one mutation's args (PROTOCOL.md, limits): 256 KiB. */
    public static final int DEFAULT_MAX_ARGS_BYTES = 256 * 1024;

    /** The most errors one failure lists; a list of thousands of invalid elements would otherwise be echoed back. */
    public static final int MAX_REPORTED_ERRORS = 100;

    /**
     * Deeper JSON is refused while parsing: args are small records, and a bound keeps a hostile {@code [[[[...} from
     * costing stack in the binder (also inside an unknown property, which Jackson buffers before refusing it).
     */
    static final int MAX_NESTING_DEPTH = 100;

    /**
     * Longer paths are cut: a path echoes the client's property names, and the outcome (with its errors) is recorded
     * in the mutation journal, which should not hold a copy of a 200 KiB property name.
     */
    static final int MAX_PATH_LENGTH = 200;

    private static final String EMPTY_ARGS = "{}";

    private static final Violation TRAILING_CONTENT =
            new Violation(ArgsPath.ROOT, "unexpected content after the args object");

    private final int maxArgsBytes;
    private final ObjectMapper mapper;
    private final ObjectWriter canonicalWriter;
    private final Validator validator;
    private final ArgsSchemas schemas;

    /** A codec with the default args limit of {@value #DEFAULT_MAX_ARGS_BYTES} bytes. */
    public JacksonArgsCodec() {
        this(DEFAULT_MAX_ARGS_BYTES);
    }

    /**
     * A codec refusing args larger than {@code maxArgsBytes} UTF-8 bytes.
     *
     * @throws IllegalArgumentException when {@code maxArgsBytes} is less than 2 (not even {@code {}} would fit)
     */
    public JacksonArgsCodec(int maxArgsBytes) {
        if (maxArgsBytes < EMPTY_ARGS.length()) {
            throw new IllegalArgumentException("maxArgsBytes must be at least 2, was " + maxArgsBytes);
        }
        this.maxArgsBytes = maxArgsBytes;
        this.mapper = strictMapper();
        this.canonicalWriter = mapper.writer().with(JsonNodeFeature.WRITE_PROPERTIES_SORTED);
        this.validator = englishValidator();
        this.schemas = new ArgsSchemas(mapper);
    }

    /**
     * Decodes and validates {@code json} into the args record {@code type}.
     *
     * @throws SyncException with {@code INVALID_ARGS} and {@code details.errors} when the args are refused
     * @throws IllegalArgumentException when {@code type} is not a record, or cannot be bound at all (a server bug)
     */
    @Override
    public <A> A decode(Class<A> type, String json) {
        requireRecord(type);
        String text = json == null || json.isBlank() ? EMPTY_ARGS : json;
        if (utf8Length(text) > maxArgsBytes) {
            throw invalid(List.of(new Violation(
                    ArgsPath.ROOT, "args are larger than " + maxArgsBytes + " bytes (UTF-8), the limit")));
        }
        A value = bind(type, text);
        if (value == null) {
            value = bind(type, EMPTY_ARGS); // JSON null: as if no args were sent
        }
        List<Violation> violations = validate(value);
        if (!violations.isEmpty()) {
            throw invalid(violations);
        }
        return value;
    }

    /**
     * {@code json} in one canonical form, so that a replayed mutation's args compare equal however the client
     * formatted them: object properties sorted by name, no insignificant whitespace, strings re-escaped the one way
     * Jackson writes them, numbers kept as written (apart from the exponent's spelling: {@code 1.0} stays a decimal, so
     * decoding the canonical form refuses what decoding the original refuses). Duplicate properties have no canonical
     * form and are refused, as are trailing content, JSON deeper than {@value #MAX_NESTING_DEPTH} levels and numbers
     * longer than 1 000 digits.
     *
     * @throws SyncException with {@code MALFORMED_REQUEST} when {@code json} is not exactly one well-formed JSON value
     */
    @Override
    public String canonicalJson(String json) {
        Objects.requireNonNull(json, "json");
        JsonParser parser = null;
        try {
            parser = mapper.createParser(json);
            JsonNode tree = mapper.readTree(parser);
            if (tree == null) {
                throw malformed(new Violation(ArgsPath.ROOT, "no JSON value"));
            }
            if (hasTrailingContent(parser)) {
                throw malformed(TRAILING_CONTENT);
            }
            return canonicalWriter.writeValueAsString(tree);
        } catch (JacksonException e) {
            throw malformed(BindingErrors.of(e, parser));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String does no I/O; only Jackson's own failures happen
        } finally {
            closeQuietly(parser);
        }
    }

    private static SyncException malformed(Violation violation) {
        String where = violation.path().isEmpty() ? "" : " at " + shortened(violation.path());
        return new SyncException(
                SyncErrorCode.MALFORMED_REQUEST,
                "args are not one well-formed JSON value" + where + ": " + violation.message(),
                Map.of("errors", List.of(asDetail(violation))));
    }

    /**
     * Encodes a result value (a string, number, record, map or list) as JSON text; {@code null} is {@code null}.
     *
     * @throws IllegalArgumentException when the value cannot be written as JSON (a server bug)
     */
    @Override
    public String encode(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot encode a " + value.getClass().getName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * The JSON Schema (draft 2020-12, compact JSON) of the args record {@code type}: its components as properties, no
     * additional properties, required where primitive or {@code @NotNull} (also {@code @NotBlank}, {@code
     * @NotEmpty}), nullable otherwise, with the Jakarta constraints as keywords.
     *
     * @throws IllegalArgumentException when {@code type} is not a record
     */
    @Override
    public String jsonSchema(Class<?> type) {
        requireRecord(type);
        return schemas.of(type);
    }

    /** The errors a failed {@link #decode} carries in {@code details.errors}; empty for any other failure. */
    @Override
    public List<Violation> violations(RuntimeException failure) {
        if (!(failure instanceof SyncException sync)
                || sync.code() != SyncErrorCode.INVALID_ARGS
                || !(sync.details().get("errors") instanceof List<?> errors)) {
            return List.of();
        }
        return errors.stream()
                .filter(Map.class::isInstance)
                .map(Map.class::cast)
                .map(error -> new Violation(String.valueOf(error.get("path")), String.valueOf(error.get("message"))))
                .toList();
    }

    private <A> A bind(Class<A> type, String text) {
        JsonParser parser = null;
        try {
            parser = mapper.createParser(text);
            A value = mapper.readerFor(type).readValue(parser);
            if (hasTrailingContent(parser)) {
                throw invalid(List.of(TRAILING_CONTENT));
            }
            return value;
        } catch (JacksonException e) {
            throw invalid(List.of(BindingErrors.of(e, parser)));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String does no I/O; only Jackson's own failures happen
        } finally {
            closeQuietly(parser);
        }
    }

    /** One value per args: {@code {"body":"a"} x} or {@code {"body":"a"}{}} is refused, not cut short. */
    private static boolean hasTrailingContent(JsonParser parser) {
        try {
            return parser.nextToken() != null;
        } catch (IOException garbage) {
            return true;
        }
    }

    private List<Violation> validate(Object value) {
        return validator.validate(value).stream()
                .map(violation -> new Violation(path(violation), violation.getMessage()))
                .distinct()
                .sorted(Comparator.comparing(Violation::path).thenComparing(Violation::message))
                .toList();
    }

    /** A constraint violation's path, in the same format as the binding errors' ({@link ArgsPath}). */
    private static String path(ConstraintViolation<?> violation) {
        ArgsPath path = new ArgsPath();
        for (Path.Node node : violation.getPropertyPath()) {
            // the index or key of an element sits on the node after the container ("items", then "[2].qty")
            if (node.isInIterable()) {
                if (node.getIndex() != null) {
                    path.index(node.getIndex());
                } else if (node.getKey() != null) {
                    path.property(String.valueOf(node.getKey()));
                }
            }
            // container element nodes ("<list element>") and class-level nodes add no name of their own
            if (node.getKind() == ElementKind.PROPERTY && node.getName() != null) {
                path.property(node.getName());
            }
        }
        return path.toString();
    }

    private static SyncException invalid(List<Violation> violations) {
        List<Map<String, Object>> errors = violations.stream()
                .limit(MAX_REPORTED_ERRORS)
                .map(JacksonArgsCodec::asDetail)
                .toList();
        Violation first = violations.getFirst();
        StringBuilder message = new StringBuilder("invalid args: ");
        if (!first.path().isEmpty()) {
            message.append(shortened(first.path())).append(": ");
        }
        message.append(first.message());
        if (violations.size() > 1) {
            message.append(" (and ").append(violations.size() - 1).append(" more)");
        }
        return new SyncException(SyncErrorCode.INVALID_ARGS, message.toString(), Map.of("errors", errors));
    }

    /** {@code {"path": ..., "message": ...}} in that order, plain map and strings for any JSON writer. */
    private static Map<String, Object> asDetail(Violation violation) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("path", shortened(violation.path()));
        error.put("message", violation.message());
        return Collections.unmodifiableMap(error);
    }

    private static String shortened(String path) {
        if (path.length() <= MAX_PATH_LENGTH) {
            return path;
        }
        int end = MAX_PATH_LENGTH - 3;
        if (Character.isHighSurrogate(path.charAt(end - 1))) {
            end--; // never split a surrogate pair
        }
        return path.substring(0, end) + "...";
    }

    private static void requireRecord(Class<?> type) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException("args types are records; " + type.getName() + " is not");
        }
    }

    /**
     * The UTF-8 length of {@code text}, as a client's encoder counts it, without encoding it: the limit is checked
     * before anything else touches the args.
     */
    static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3; // also a lone surrogate: the replacement character an encoder writes is 3 bytes
            }
        }
        return bytes;
    }

    private static void closeQuietly(JsonParser parser) {
        if (parser == null) {
            return;
        }
        try {
            parser.close();
        } catch (IOException ignored) {
            // closing a parser over a String releases buffers only
        }
    }

    private static ObjectMapper strictMapper() {
        JsonFactory factory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .build())
                .build();
        return JsonMapper.builder(factory)
                .enable(
                        DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                        DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                        DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS,
                        // untyped numbers (Object, Map<String, Object>) keep their exact value instead of a double
                        DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                // JSON types must match: every scalar coercion Jackson would otherwise try is a failure
                .withCoercionConfigDefaults(config -> config.setAcceptBlankAsEmpty(false)
                        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.EmptyArray, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.EmptyObject, CoercionAction.Fail))
                .withCoercionConfig(
                        LogicalType.Textual,
                        config -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(
                        LogicalType.Integer,
                        config -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(
                        LogicalType.Float,
                        config -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(
                        LogicalType.Boolean,
                        config -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
                // trees keep decimals as written: a stripped "1.0" would become "1", an int the original is not
                .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
                .addModule(FiniteNumberDeserializer.module())
                .build();
    }

    /**
     * Hibernate Validator as this module's own provider: resolved directly (an application server's Bean Validation
     * provider on the class path is not picked up), without {@code validation.xml} of the host application, with
     * messages interpolated without Jakarta EL (no EL implementation needed) and always in English, whatever the
     * JVM's default locale: clients of one server get one language.
     */
    private static Validator englishValidator() {
        return Validation.byProvider(HibernateValidator.class)
                .providerResolver(() -> List.of(new HibernateValidator()))
                .configure()
                .ignoreXmlConfiguration()
                .messageInterpolator(new ParameterMessageInterpolator(Set.of(Locale.ROOT), Locale.ROOT, false))
                .buildValidatorFactory()
                .getValidator();
    }
}
