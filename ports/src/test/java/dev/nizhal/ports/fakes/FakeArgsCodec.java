package dev.nizhal.ports.fakes;

import dev.nizhal.ports.out.ArgsCodec;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Describes record args by their component names only; decoding is the real codec's job (adapters-json). */
public final class FakeArgsCodec implements ArgsCodec {
    @Override
    public <A> A decode(Class<A> type, String json) {
        throw new UnsupportedOperationException("the fake codec does not decode");
    }

    @Override
    public String canonicalJson(String json) {
        throw new UnsupportedOperationException("the fake codec does not parse JSON");
    }

    @Override
    public String encode(Object value) {
        return String.valueOf(value);
    }

    @Override
    public String jsonSchema(Class<?> type) {
        String properties = Arrays.stream(type.getRecordComponents())
                .map(c -> "\"" + c.getName() + "\"")
                .collect(Collectors.joining(","));
        return "{\"title\":\"" + type.getSimpleName() + "\",\"properties\":[" + properties + "]}";
    }
}
