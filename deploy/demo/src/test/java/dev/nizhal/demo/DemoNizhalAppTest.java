package dev.nizhal.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.domain.mutator.MutatorDefinition;
import dev.nizhal.domain.rules.SyncRule;
import dev.nizhal.server.NizhalApp;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The demo's ServiceLoader entry is what `./nizhal` finds without {@code --app}. */
class DemoNizhalAppTest {
    @Test
    void theDemoIsTheOneNizhalAppOnItsClassPath() {
        assertThat(ServiceLoader.load(NizhalApp.class).stream().map(ServiceLoader.Provider::type))
                .containsExactly(DemoNizhalApp.class);
    }

    @Test
    void itServesTheDemoRulesAndMutators() {
        NizhalApp app = new DemoNizhalApp();

        assertThat(app.rules().rules()).extracting(SyncRule::name).containsExactly("myNotes", "sharedLists");
        assertThat(app.mutators().all())
                .extracting(MutatorDefinition::name)
                .contains("addNote", "createList", "toggleTodo");
    }
}
