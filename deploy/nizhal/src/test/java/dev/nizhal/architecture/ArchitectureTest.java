package dev.nizhal.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import dev.nizhal.architecture.NizhalArchitecture.NamedRule;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.mutator.Isolation;
import dev.nizhal.ports.out.Transactions;
import dev.nizhal.ports.out.Tx;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Checks every rule of {@link NizhalArchitecture} on the production code of all modules on deploy/nizhal's classpath
 * (domain, ports, the adapters, deploy/nizhal itself).
 */
class ArchitectureTest {

    private static final String ROOT = "dev.nizhal";

    static final List<NamedRule> RULES = NizhalArchitecture.RULES;

    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = NizhalArchitecture.importProductionClasses(ROOT);
    }

    /**
     * The rules can only be as good as the import: a wrong package or classpath would make every rule pass on
     * nothing. So the import must hold known classes of several modules, and no test class (the fixtures share the
     * root package and break every rule on purpose).
     */
    @Test
    void importsTheProductionClassesOfTheModulesAndNoTestClass() {
        assertThat(List.of(SyncException.class, SyncErrorCode.class, Actor.class, Isolation.class))
                .as("domain classes")
                .allSatisfy(type ->
                        assertThat(production.contain(type)).as(type.getName()).isTrue());
        assertThat(List.of(Transactions.class, Tx.class))
                .as("ports classes")
                .allSatisfy(type ->
                        assertThat(production.contain(type)).as(type.getName()).isTrue());
        // R4 allows an empty console package (the module is optional): here it must hold the console's classes
        assertThat(List.of("dev.nizhal.admin.AdminConsole", "dev.nizhal.admin.JournalView"))
                .as("admin-console classes (R4)")
                .allSatisfy(
                        name -> assertThat(production.contain(name)).as(name).isTrue());
        assertThat(production.contain(NizhalArchitecture.syncException(ROOT)))
                .as("R6 and R10 name the real exception root")
                .isTrue();

        assertThat(production.stream().map(JavaClass::getName))
                .as("test classes must not be checked as production code")
                .noneMatch(name ->
                        name.startsWith("dev.nizhal.archfixtures.") || name.startsWith("dev.nizhal.architecture."));
        assertThat(production.contain(ArchitectureTest.class)).isFalse();
        assertThat(production.contain("dev.nizhal.archfixtures.r10.adapters.jdbi.JdbiFailure"))
                .isFalse();
    }

    /**
     * R11 could pass on nothing if it saw no seam (a moved annotation, or one the import cannot read): the import must
     * show the seam types and the engine's enabling hook as annotated.
     */
    @Test
    void importsTheTestSeamsAsAnnotated() {
        String seam = NizhalArchitecture.testSeam(ROOT);

        assertThat(production.stream()
                        .filter(type -> type.isAnnotatedWith(seam))
                        .map(JavaClass::getName))
                .contains(
                        "dev.nizhal.ports.service.PullDefect",
                        "dev.nizhal.ports.service.NizhalServices$PullObserver",
                        "dev.nizhal.ports.service.NizhalServices$PushHooks");
        assertThat(production.get("dev.nizhal.Nizhal$Builder").getMethods().stream()
                        .filter(method -> method.isAnnotatedWith(seam))
                        .map(JavaMethod::getName))
                .containsExactly("changeServices");
        assertThat(production.get("dev.nizhal.ports.service.NizhalServices$Config$Builder").getMethods().stream()
                        .filter(method -> method.isAnnotatedWith(seam))
                        .map(JavaMethod::getName))
                .containsExactlyInAnyOrder("pullObserver", "pullDefect", "maxRowBytes", "pushHooks", "storageSoFar");
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("RULES")
    void productionCodeFollowsTheRule(NamedRule rule) {
        rule.on(ROOT).check(production);
    }
}
