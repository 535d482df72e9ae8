package dev.nizhal.jakarta;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import dev.nizhal.adapters.jaxrs.JaxrsEndpoints;
import dev.nizhal.adapters.websocket.StreamHub;
import dev.nizhal.architecture.NizhalArchitecture;
import dev.nizhal.architecture.NizhalArchitecture.NamedRule;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The architecture rules R1–R11 on this module's class path, which adds the Jakarta wiring to the adapters it meets;
 * and the wiring names the Jakarta and MicroProfile APIs only, never a server, so one WAR runs on any of them.
 */
class JakartaArchitectureTest {
    static final List<NamedRule> RULES = NizhalArchitecture.RULES;

    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = NizhalArchitecture.importProductionClasses("dev.nizhal");
    }

    @Test
    void theImportHoldsTheWiringAndTheAdaptersItMeets() {
        assertThat(List.of(NizhalRuntime.class, NizhalRestApplication.class, JaxrsEndpoints.class, StreamHub.class))
                .allSatisfy(type ->
                        assertThat(production.contain(type)).as(type.getName()).isTrue());
    }

    @Test
    void theWiringUsesStandardApisOnlyNeverAServer() {
        ArchRuleDefinition.noClasses()
                .that()
                .resideInAPackage("dev.nizhal.jakarta..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.eclipse.jetty..",
                        "org.glassfish..",
                        "fish.payara..",
                        "com.ibm..",
                        "io.openliberty..",
                        "org.jboss..",
                        "io.smallrye..",
                        "dev.nizhal.server..")
                .check(production);
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("RULES")
    void productionCodeFollowsTheRule(NamedRule rule) {
        rule.on("dev.nizhal").check(production);
    }
}
