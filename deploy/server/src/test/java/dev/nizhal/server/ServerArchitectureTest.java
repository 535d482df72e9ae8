package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import dev.nizhal.adapters.jaxrs.JaxrsEndpoints;
import dev.nizhal.adapters.jaxrs.JaxrsPullResource;
import dev.nizhal.adapters.jaxrs.internal.RequestReader;
import dev.nizhal.adapters.websocket.StreamEndpoint;
import dev.nizhal.adapters.websocket.StreamHub;
import dev.nizhal.architecture.NizhalArchitecture;
import dev.nizhal.architecture.NizhalArchitecture.NamedRule;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The architecture rules R1–R11 of deploy/nizhal on this module's class path, which adds adapters-jaxrs,
 * adapters-websocket and the server: the HTTP adapter depends on no other adapter (R3), uses no database class (R8), injects no field (R9), and
 * every exception it declares is a {@code SyncException} (R10).
 */
class ServerArchitectureTest {
    static final List<NamedRule> RULES = NizhalArchitecture.RULES;

    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = NizhalArchitecture.importProductionClasses("dev.nizhal");
    }

    @Test
    void theImportHoldsTheHttpAdapterAndTheServerAndNoTestClass() {
        assertThat(List.of(
                        JaxrsEndpoints.class,
                        JaxrsPullResource.class,
                        RequestReader.class,
                        StreamEndpoint.class,
                        StreamHub.class,
                        NizhalServer.class))
                .allSatisfy(type ->
                        assertThat(production.contain(type)).as(type.getName()).isTrue());
        assertThat(production.stream().map(JavaClass::getName))
                .noneMatch(name -> name.startsWith("dev.nizhal.archfixtures.")
                        || name.startsWith("dev.nizhal.architecture.")
                        || name.equals(SeedApp.class.getName()));
    }

    /** The HTTP and stream adapters run on any Jakarta runtime: they name the Jakarta APIs, never a container. */
    @Test
    void theWireAdaptersUseJakartaApisOnlyNeverAContainer() {
        ArchRuleDefinition.noClasses()
                .that()
                .resideInAnyPackage("dev.nizhal.adapters.jaxrs..", "dev.nizhal.adapters.websocket..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.eclipse.jetty..",
                        "org.glassfish..",
                        "org.apache.tomcat..",
                        "io.undertow..",
                        "io.openliberty..")
                .check(production);
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("RULES")
    void productionCodeFollowsTheRule(NamedRule rule) {
        rule.on("dev.nizhal").check(production);
    }
}
