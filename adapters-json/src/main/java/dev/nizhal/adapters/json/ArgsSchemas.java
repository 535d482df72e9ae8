package dev.nizhal.adapters.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import com.github.victools.jsonschema.module.jakarta.validation.JakartaValidationModule;
import com.github.victools.jsonschema.module.jakarta.validation.JakartaValidationOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JSON Schemas (draft 2020-12) of args records, as the decoder accepts them: the record components are the
 * properties, nothing else is allowed, a component is required when it is primitive or constrained not-null, and may be
 * {@code null} otherwise. Jakarta constraints become schema keywords ({@code @Size} → {@code maxLength}, {@code @Min} →
 * {@code minimum}, {@code @Pattern} → {@code pattern}, ...).
 *
 * <p>The victools generator is documented as not thread-safe, and schemas are asked for rarely (the contract endpoint)
 * but possibly concurrently: generation is serialized and each type's schema is kept once generated.
 */
final class ArgsSchemas {
    private final SchemaGenerator generator;
    private final Map<Class<?>, String> generated = new ConcurrentHashMap<>();

    ArgsSchemas(ObjectMapper mapper) {
        SchemaGeneratorConfigBuilder config = new SchemaGeneratorConfigBuilder(
                        mapper, SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
                .with(new JakartaValidationModule(
                        JakartaValidationOption.NOT_NULLABLE_FIELD_IS_REQUIRED,
                        JakartaValidationOption.INCLUDE_PATTERN_EXPRESSIONS))
                // the decoder fails on unknown properties and lets absent or null components through as null
                .with(Option.FORBIDDEN_ADDITIONAL_PROPERTIES_BY_DEFAULT)
                .with(Option.NULLABLE_FIELDS_BY_DEFAULT)
                .with(Option.MAP_VALUES_AS_ADDITIONAL_PROPERTIES);
        // primitives: the decoder refuses them absent or null (registered before the module's checks, so it wins)
        config.forFields()
                .withRequiredCheck(field -> field.getType().getErasedType().isPrimitive());
        config.forFields()
                .withNullableCheck(field -> field.getType().getErasedType().isPrimitive() ? Boolean.FALSE : null);
        this.generator = new SchemaGenerator(config.build());
    }

    String of(Class<?> type) {
        String schema = generated.get(type);
        if (schema != null) {
            return schema;
        }
        synchronized (generator) {
            return generated.computeIfAbsent(type, this::generate);
        }
    }

    private String generate(Class<?> type) {
        ObjectNode schema = generator.generateSchema(type);
        return schema.toString(); // compact JSON
    }
}
