package dev.nizhal.adapters.jwt.internal;

import com.nimbusds.jwt.JWTClaimsSet;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The claims of a verified token as plain, immutable Java values: {@code String}, {@code Long} (integral numbers
 * within range), {@code Double} (other numbers, as Nimbus's JSON parser gives them), {@code BigDecimal}, {@code
 * Boolean}, {@code List} and {@code Map} (nested values may be {@code null}). Dates come as Nimbus turned them: {@code
 * exp}, {@code nbf} and {@code iat} are seconds since the epoch ({@code Long}); a single {@code aud} is a string.
 * Top-level claims whose value is {@code null} are left out (an actor's claims hold no nulls).
 */
public final class ClaimValues {
    private ClaimValues() {}

    public static Map<String, Object> of(JWTClaimsSet claims) {
        Map<String, Object> plain = new LinkedHashMap<>();
        claims.toJSONObject(false).forEach((name, value) -> {
            Object normalized = normalize(value);
            if (normalized != null) {
                plain.put(name, normalized);
            }
        });
        return Collections.unmodifiableMap(plain);
    }

    private static Object normalize(Object value) {
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Double d -> d;
            case BigDecimal d -> d;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case Float f -> f.doubleValue();
            case BigInteger i -> new BigDecimal(i);
            case Number n -> new BigDecimal(n.toString());
            case Map<?, ?> map -> {
                Map<String, Object> copy = new LinkedHashMap<>();
                map.forEach((k, v) -> copy.put(String.valueOf(k), normalize(v)));
                yield Collections.unmodifiableMap(copy);
            }
            case List<?> list -> {
                List<Object> copy = new ArrayList<>(list.size());
                list.forEach(v -> copy.add(normalize(v)));
                yield Collections.unmodifiableList(copy);
            }
            // nothing else comes out of JSON; keep the text rather than an unknown mutable object
            default -> value.toString();
        };
    }
}
