package dev.nizhal.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.jakarta.ApplicationBeans.Beans;
import dev.nizhal.ports.out.ActorResolver;
import dev.nizhal.ports.out.ArgsCodec;
import org.junit.jupiter.api.Test;

/** Which beans of the application Nizhal takes: one of a kind, or none where it has its own; never one of several. */
class ApplicationBeansTest {
    private static final SyncRules RULES = SyncRules.define(b -> {});
    private static final Mutators MUTATORS = Mutators.define(m -> {});

    private static <T> Beans<T> none() {
        return new Beans<>(Beans.Count.NONE, () -> {
            throw new AssertionError("not asked for a bean that is not there");
        });
    }

    private static <T> Beans<T> one(T bean) {
        return new Beans<>(Beans.Count.ONE, () -> bean);
    }

    private static <T> Beans<T> several() {
        return new Beans<>(Beans.Count.SEVERAL, () -> {
            throw new AssertionError("not asked for one of several beans");
        });
    }

    private static ApplicationBeans withRulesAndMutators(Beans<ActorResolver> resolvers, Beans<ArgsCodec> codecs) {
        return new ApplicationBeans(none(), one(RULES), one(MUTATORS), resolvers, codecs);
    }

    @Test
    void rulesAndMutatorsBeansMakeTheAppAndTheDefaultsFillTheRest() {
        ApplicationBeans beans = withRulesAndMutators(none(), none()).check();

        assertThat(beans.app().rules()).isSameAs(RULES);
        assertThat(beans.app().mutators()).isSameAs(MUTATORS);
        assertThat(beans.hasResolver()).isFalse();
        assertThat(beans.resolver()).isEmpty();
        assertThat(beans.codec()).isInstanceOf(JacksonArgsCodec.class);
    }

    @Test
    void oneResolverAndOneCodecAreTheApplications() {
        ActorResolver resolver = token -> {
            throw new AssertionError("not called");
        };
        ArgsCodec codec = new JacksonArgsCodec();
        ApplicationBeans beans = withRulesAndMutators(one(resolver), one(codec)).check();

        assertThat(beans.hasResolver()).isTrue();
        assertThat(beans.resolver()).containsSame(resolver);
        assertThat(beans.codec()).isSameAs(codec);
    }

    @Test
    void severalBeansOfOneKindAreRefusedNamingTheKind() {
        assertThatThrownBy(() -> withRulesAndMutators(several(), none()).check())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ActorResolver: the application has several beans of this type");
        assertThatThrownBy(() -> withRulesAndMutators(none(), several()).check())
                .hasMessageStartingWith("ArgsCodec: the application has several beans of this type");
        assertThatThrownBy(() -> new ApplicationBeans(several(), none(), none(), none(), none()).check())
                .hasMessageStartingWith("NizhalApp: the application has several beans");
        assertThatThrownBy(() -> new ApplicationBeans(none(), several(), one(MUTATORS), none(), none()).check())
                .hasMessageStartingWith("SyncRules: the application has several beans");
    }

    @Test
    void noAppNorRulesAndMutatorsIsRefused() {
        assertThatThrownBy(() -> new ApplicationBeans(none(), one(RULES), none(), none(), none()).check())
                .hasMessageStartingWith("NizhalApp: the application has no NizhalApp bean, nor one SyncRules");
    }
}
