package dev.nizhal.server;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded mutations of valid pull and push bodies: values of other types, deep nesting, huge and non-integral numbers,
 * unicode (also NUL and half surrogate pairs), duplicated, missing and unknown properties, truncation, random bytes.
 * JSON is kept as a small tree of its own ({@link Obj} keeps duplicate keys, {@link Raw} keeps number text as
 * written) so that every mutation, also the malformed ones, can be written out.
 */
final class FuzzBodies {

    /** An object as its list of properties, in order, duplicates allowed. */
    record Obj(List<Map.Entry<String, Object>> fields) {}

    /** JSON text written as it is (numbers as spelled, escapes, invalid tokens). */
    record Raw(String json) {}

    private static final List<Object> SCALARS = List.of(
            new Raw("0"),
            new Raw("-1"),
            new Raw("1"),
            new Raw("2"),
            new Raw("-0"),
            new Raw("1.5"),
            new Raw("1.0"),
            new Raw("1e2"),
            new Raw("9007199254740991"),
            new Raw("9007199254740992"),
            new Raw("9223372036854775808"),
            new Raw("123456789012345678901234567890123456789"),
            new Raw("1e400"),
            new Raw("-1e400"),
            new Raw("1e-400"),
            new Raw("1E+999999"),
            new Raw("0.000000000000000000000000000001"),
            new Raw("NaN"),
            new Raw("Infinity"),
            new Raw("\"\\u0000\""),
            new Raw("\"a\\ud800b\""),
            new Raw("\"\\udfff\""),
            new Raw("\"tab\\there\\nnewline\""),
            new Raw("'single'"),
            true,
            false,
            "",
            " ",
            "null",
            "é",
            "😀 emoji",
            "שלום עולם",
            "日本語",
            "a\"quote",
            "back\\slash",
            "myNotes",
            "sharedLists",
            "addNote",
            "editNote",
            "nizhal.skip",
            "myNotes[\"alice\"]",
            "x".repeat(300),
            "y".repeat(5000));

    /** Property names of random objects: known ones of the envelope and args, and odd ones. */
    private static final List<String> KEYS = List.of(
            "id", "name", "args", "body", "clientId", "ownerId", "", "é", "😀", "a.b", "\u0000", "k".repeat(300));

    private FuzzBodies() {}

    static Obj validPull(int n) {
        return obj(
                "syncRule",
                "myNotes",
                "clientId",
                "fuzz-pull-" + n,
                "cursor",
                null,
                "buckets",
                list(obj("ownerId", "alice")),
                "held",
                list("myNotes[\"alice\"]"),
                "limit",
                new Raw("100"));
    }

    static Obj validPush(int n) {
        return obj(
                "clientId",
                "fuzz-push-" + n,
                "mutations",
                list(
                        obj("id", new Raw("1"), "name", "addNote", "args", obj("id", "fz-" + n, "body", "hello " + n)),
                        obj("id", new Raw("2"), "name", "editNote", "args", obj("id", "fz-" + n, "body", "edited"))));
    }

    /** One to three mutations of {@code valid}, as the bytes to send. */
    static byte[] mutate(Random random, Obj valid) {
        Object tree = valid;
        int structural = 1 + random.nextInt(3);
        for (int i = 0; i < structural; i++) {
            tree = mutateTree(random, tree);
        }
        byte[] bytes = write(tree).getBytes(StandardCharsets.UTF_8);
        // a fifth of the bodies are also damaged as bytes
        return random.nextInt(5) == 0 ? mutateBytes(random, bytes) : bytes;
    }

    private static Object mutateTree(Random random, Object root) {
        List<Object> containers = new ArrayList<>();
        collect(root, containers);
        if (containers.isEmpty()) {
            return list(root); // a scalar root, from an earlier mutation
        }
        Object target = containers.get(random.nextInt(containers.size()));
        switch (random.nextInt(8)) {
            case 0, 1 -> replaceChild(random, target, randomValue(random, 0));
            case 2 -> removeChild(random, target);
            case 3 -> {
                if (target instanceof Obj obj && !obj.fields().isEmpty()) { // a duplicate key
                    Map.Entry<String, Object> field =
                            obj.fields().get(random.nextInt(obj.fields().size()));
                    obj.fields().add(new SimpleEntry<>(field.getKey(), randomValue(random, 0)));
                }
            }
            case 4 -> {
                if (target instanceof Obj obj) { // an unknown property
                    obj.fields().add(new SimpleEntry<>("unknown" + random.nextInt(100), randomValue(random, 0)));
                }
            }
            case 5 -> replaceChild(random, target, nested(random, 50 + random.nextInt(250)));
            case 6 -> {
                return random.nextBoolean() ? list(root) : randomValue(random, 0); // not an object at the root
            }
            default -> replaceChild(random, target, wrap(random, childOf(random, target)));
        }
        return root;
    }

    private static void collect(Object node, List<Object> containers) {
        if (node instanceof Obj obj) {
            containers.add(obj);
            obj.fields().forEach(field -> collect(field.getValue(), containers));
        } else if (node instanceof List<?> list) {
            containers.add(list);
            list.forEach(element -> collect(element, containers));
        }
    }

    @SuppressWarnings("unchecked")
    private static void replaceChild(Random random, Object container, Object value) {
        if (container instanceof Obj obj && !obj.fields().isEmpty()) {
            obj.fields().get(random.nextInt(obj.fields().size())).setValue(value);
        } else if (container instanceof List<?> list && !list.isEmpty()) {
            ((List<Object>) list).set(random.nextInt(list.size()), value);
        }
    }

    private static Object childOf(Random random, Object container) {
        if (container instanceof Obj obj && !obj.fields().isEmpty()) {
            return obj.fields().get(random.nextInt(obj.fields().size())).getValue();
        }
        if (container instanceof List<?> list && !list.isEmpty()) {
            return list.get(random.nextInt(list.size()));
        }
        return null;
    }

    private static void removeChild(Random random, Object container) {
        if (container instanceof Obj obj && !obj.fields().isEmpty()) {
            obj.fields().remove(random.nextInt(obj.fields().size()));
        } else if (container instanceof List<?> list && !list.isEmpty()) {
            list.remove(random.nextInt(list.size()));
        }
    }

    private static Object wrap(Random random, Object value) {
        return random.nextBoolean() ? list(value) : obj("v", value);
    }

    private static Object nested(Random random, int depth) {
        Object value = random.nextBoolean() ? new Raw("1") : "deep";
        for (int i = 0; i < depth; i++) {
            value = random.nextBoolean() ? list(value) : obj("n", value);
        }
        return value;
    }

    private static Object randomValue(Random random, int depth) {
        int kind = random.nextInt(depth > 2 ? 1 : 4);
        return switch (kind) {
            case 0 -> SCALARS.get(random.nextInt(SCALARS.size()));
            case 1 -> null;
            case 2 -> {
                List<Object> list = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    list.add(randomValue(random, depth + 1));
                }
                yield list;
            }
            default -> {
                Obj obj = new Obj(new ArrayList<>());
                for (int i = random.nextInt(4); i > 0; i--) {
                    String key = KEYS.get(random.nextInt(KEYS.size()));
                    obj.fields().add(new SimpleEntry<>(key, randomValue(random, depth + 1)));
                }
                yield obj;
            }
        };
    }

    private static byte[] mutateBytes(Random random, byte[] bytes) {
        return switch (random.nextInt(5)) {
            case 0 -> java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1)); // truncated
            case 1 -> {
                byte[] noise = new byte[random.nextInt(300)];
                random.nextBytes(noise);
                yield noise; // random bytes instead of a body
            }
            case 2 -> {
                byte[] flipped = bytes.clone();
                for (int i = 1 + random.nextInt(3); i > 0 && flipped.length > 0; i--) {
                    flipped[random.nextInt(flipped.length)] = (byte) random.nextInt(256);
                }
                yield flipped;
            }
            case 3 -> {
                int at = random.nextInt(bytes.length + 1);
                byte[] noise = new byte[1 + random.nextInt(8)];
                random.nextBytes(noise);
                byte[] inserted = new byte[bytes.length + noise.length];
                System.arraycopy(bytes, 0, inserted, 0, at);
                System.arraycopy(noise, 0, inserted, at, noise.length);
                System.arraycopy(bytes, at, inserted, at + noise.length, bytes.length - at);
                yield inserted;
            }
            default -> {
                byte[] doubled = new byte[bytes.length * 2]; // two JSON values in a row
                System.arraycopy(bytes, 0, doubled, 0, bytes.length);
                System.arraycopy(bytes, 0, doubled, bytes.length, bytes.length);
                yield doubled;
            }
        };
    }

    static Obj obj(Object... keysAndValues) {
        List<Map.Entry<String, Object>> fields = new ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            fields.add(new SimpleEntry<>((String) keysAndValues[i], keysAndValues[i + 1]));
        }
        return new Obj(fields);
    }

    static List<Object> list(Object... values) {
        List<Object> list = new ArrayList<>();
        for (Object value : values) {
            list.add(value);
        }
        return list;
    }

    static String write(Object node) {
        StringBuilder out = new StringBuilder();
        write(node, out);
        return out.toString();
    }

    private static void write(Object node, StringBuilder out) {
        switch (node) {
            case null -> out.append("null");
            case Raw raw -> out.append(raw.json());
            case Boolean bool -> out.append(bool);
            case String text -> string(text, out);
            case Obj obj -> {
                out.append('{');
                for (int i = 0; i < obj.fields().size(); i++) {
                    out.append(i == 0 ? "" : ",");
                    string(obj.fields().get(i).getKey(), out);
                    out.append(':');
                    write(obj.fields().get(i).getValue(), out);
                }
                out.append('}');
            }
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    out.append(i == 0 ? "" : ",");
                    write(list.get(i), out);
                }
                out.append(']');
            }
            default -> throw new IllegalArgumentException("not a fuzz JSON node: " + node);
        }
    }

    private static void string(String text, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
