package dev.nizhal.jakarta;

import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.ports.out.ActorResolver;
import dev.nizhal.ports.out.ArgsCodec;
import jakarta.enterprise.inject.Instance;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the application gives Nizhal as CDI beans: its {@link NizhalApp} (or one {@link SyncRules} and one {@link
 * Mutators} bean), and optionally an {@link ActorResolver} and an {@link ArgsCodec}. Several beans of one kind are
 * refused rather than one picked: which one CDI would give is not what the application meant.
 *
 * <p>A problem is an {@link IllegalArgumentException} whose message starts with the kind of bean, as a setting's
 * starts with its key.
 */
record ApplicationBeans(
        Beans<NizhalApp> apps,
        Beans<SyncRules> rules,
        Beans<Mutators> mutators,
        Beans<ActorResolver> resolvers,
        Beans<ArgsCodec> codecs) {

    /** The beans of one type, as CDI resolves them: none, one, or several. */
    record Beans<T>(Count count, Supplier<T> get) {
        enum Count {
            NONE,
            ONE,
            SEVERAL
        }

        static <T> Beans<T> of(Instance<T> instance) {
            Count count = instance.isUnsatisfied() ? Count.NONE : instance.isAmbiguous() ? Count.SEVERAL : Count.ONE;
            return new Beans<>(count, instance::get);
        }
    }

    /**
     * Refuses several beans of one kind, and an application with neither a {@code NizhalApp} nor rules and mutators.
     *
     * @throws IllegalArgumentException naming the kind of bean
     */
    ApplicationBeans check() {
        several(apps, "NizhalApp", "give one");
        several(resolvers, "ActorResolver", "give one, or none to verify tokens with nizhal.jwt.*");
        several(codecs, "ArgsCodec", "give one, or none for the default JacksonArgsCodec");
        if (apps.count() == Beans.Count.NONE) {
            several(rules, "SyncRules", "give one (or one NizhalApp bean)");
            several(mutators, "Mutators", "give one (or one NizhalApp bean)");
            if (rules.count() == Beans.Count.NONE || mutators.count() == Beans.Count.NONE) {
                throw new IllegalArgumentException("NizhalApp: the application has no NizhalApp bean, nor one SyncRules"
                        + " and one Mutators bean: give one of the two");
            }
        }
        return this;
    }

    private static void several(Beans<?> beans, String kind, String what) {
        if (beans.count() == Beans.Count.SEVERAL) {
            throw new IllegalArgumentException(kind + ": the application has several beans of this type: " + what);
        }
    }

    /** Whether tokens are verified by the application's resolver rather than by {@code nizhal.jwt.*}. */
    boolean hasResolver() {
        return resolvers.count() == Beans.Count.ONE;
    }

    /** The application's resolver, empty without one. */
    Optional<ActorResolver> resolver() {
        return hasResolver() ? Optional.of(resolvers.get().get()) : Optional.empty();
    }

    ArgsCodec codec() {
        return codecs.count() == Beans.Count.ONE ? codecs.get().get() : new JacksonArgsCodec();
    }

    /** The application's {@link NizhalApp} bean, or one made of its {@link SyncRules} and {@link Mutators} beans. */
    NizhalApp app() {
        if (apps.count() == Beans.Count.ONE) {
            return apps.get().get();
        }
        SyncRules syncRules = rules.get().get();
        Mutators appMutators = mutators.get().get();
        return new NizhalApp() {
            @Override
            public SyncRules rules() {
                return syncRules;
            }

            @Override
            public Mutators mutators() {
                return appMutators;
            }
        };
    }
}
