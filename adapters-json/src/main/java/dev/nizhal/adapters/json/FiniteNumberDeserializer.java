package dev.nizhal.adapters.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.util.AccessPattern;
import java.io.IOException;

/**
 * Jackson's {@code double} and {@code float} deserializers with one more rule: a number too large for the type (JSON
 * {@code 1e400}) is refused instead of becoming {@code Infinity}, which no client sent and which would reach the
 * mutator as a value that compares and stores badly. Everything else (nulls for primitives, coercion rules) is the
 * standard deserializer's, which this one delegates to.
 */
final class FiniteNumberDeserializer extends JsonDeserializer<Object> {
    private final JsonDeserializer<?> standard;
    private final Class<?> type;

    private FiniteNumberDeserializer(Class<?> type) {
        this.type = type;
        this.standard = NumberDeserializers.find(type, type.getName());
    }

    /** A module installing the finite variants for {@code double}, {@code Double}, {@code float} and {@code Float}. */
    static SimpleModule module() {
        SimpleModule module = new SimpleModule("nizhal-finite-numbers");
        for (Class<?> type : new Class<?>[] {double.class, Double.class, float.class, Float.class}) {
            register(module, type);
        }
        return module;
    }

    @SuppressWarnings("unchecked")
    private static <T> void register(SimpleModule module, Class<T> type) {
        module.addDeserializer(
                type, (JsonDeserializer<? extends T>) (JsonDeserializer<?>) new FiniteNumberDeserializer(type));
    }

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        Object value = standard.deserialize(p, ctxt);
        boolean finite = switch (value) {
            case Double d -> Double.isFinite(d);
            case Float f -> Float.isFinite(f);
            case null, default -> true;
        };
        if (!finite) {
            // an InvalidFormatException carrying the value: BindingErrors reports it as "number out of range"
            return ctxt.handleWeirdNumberValue(type, (Number) value, "out of range");
        }
        return value;
    }

    @Override
    public Object getNullValue(DeserializationContext ctxt) throws JsonMappingException {
        return standard.getNullValue(ctxt);
    }

    @Override
    public Object getAbsentValue(DeserializationContext ctxt) throws JsonMappingException {
        return standard.getAbsentValue(ctxt);
    }

    @Override
    public Object getEmptyValue(DeserializationContext ctxt) throws JsonMappingException {
        return standard.getEmptyValue(ctxt);
    }

    @Override
    public AccessPattern getNullAccessPattern() {
        return standard.getNullAccessPattern();
    }

    @Override
    public LogicalType logicalType() {
        return standard.logicalType();
    }

    @Override
    public Class<?> handledType() {
        return type;
    }
}
