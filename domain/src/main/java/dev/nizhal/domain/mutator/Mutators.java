package dev.nizhal.domain.mutator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The mutators of an application:
 *
 * <pre>{@code
 * Mutators mutators = Mutators.define(m -> m
 *     .mutator("addNote", AddNote.class, (ctx, args) -> { ...; return MutationResult.of(id); })
 *     .mutator("moveTodo", MoveTodo.class, (ctx, args) -> ...).isolation(Isolation.SERIALIZABLE));
 * }</pre>
 *
 * {@code nizhal.skip} is reserved: a client sends it for a mutation it dropped locally.
 */
public final class Mutators {

    /** The name a client uses for a dropped mutation; recorded as {@code MUTATION_SKIPPED}. */
    public static final String SKIP = "nizhal.skip";

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,99}");

    private final Map<String, MutatorDefinition<?>> byName;

    private Mutators(Map<String, MutatorDefinition<?>> byName) {
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
    }

    /**
     * @throws IllegalArgumentException for a duplicate, reserved or malformed name
     */
    public static Mutators define(Consumer<Builder> definition) {
        Builder builder = new Builder();
        definition.accept(builder);
        Map<String, MutatorDefinition<?>> byName = new LinkedHashMap<>();
        for (MutatorDefinition<?> d : builder.build()) {
            if (!NAME.matcher(d.name()).matches()) {
                throw new IllegalArgumentException("mutator name '" + d.name()
                        + "' must start with a letter and use letters, digits, '_', '.' or '-' (at most 100)");
            }
            if (d.name().startsWith("nizhal.")) {
                throw new IllegalArgumentException("mutator names starting with 'nizhal.' are reserved: " + d.name());
            }
            if (byName.putIfAbsent(d.name(), d) != null) {
                throw new IllegalArgumentException("mutator '" + d.name() + "' is defined more than once");
            }
        }
        return new Mutators(byName);
    }

    public Optional<MutatorDefinition<?>> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Every mutator, in definition order. */
    public List<MutatorDefinition<?>> all() {
        return List.copyOf(byName.values());
    }

    /** Collects mutator definitions. */
    public static class Builder {
        private final List<Entry> entries;

        private Builder() {
            this(new ArrayList<>());
        }

        private Builder(List<Entry> entries) {
            this.entries = entries;
        }

        /** Adds a mutator; follow with {@code .isolation(...)} to change its isolation (default READ COMMITTED). */
        public <A> Step mutator(String name, Class<A> argsType, Mutator<A> body) {
            Entry entry = new Entry(name, argsType, body);
            entries.add(entry);
            return new Step(entries, entry);
        }

        private List<MutatorDefinition<?>> build() {
            return entries.stream().<MutatorDefinition<?>>map(Entry::definition).toList();
        }
    }

    /** The mutator just added, whose options may still be set. */
    public static final class Step extends Builder {
        private final Entry entry;

        private Step(List<Entry> entries, Entry entry) {
            super(entries);
            this.entry = entry;
        }

        /** The isolation level the mutator's transaction opens with. */
        public Step isolation(Isolation isolation) {
            entry.isolation = java.util.Objects.requireNonNull(isolation, "isolation");
            return this;
        }
    }

    private static final class Entry {
        private final String name;
        private final Class<?> argsType;
        private final Mutator<?> body;
        private Isolation isolation = Isolation.READ_COMMITTED;

        private <A> Entry(String name, Class<A> argsType, Mutator<A> body) {
            this.name = name;
            this.argsType = argsType;
            this.body = body;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private MutatorDefinition<?> definition() {
            return new MutatorDefinition(name, argsType, body, isolation);
        }
    }
}
