package dev.nizhal.architecture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import dev.nizhal.architecture.NizhalArchitecture.DoNotIncludeMavenTestJars;
import dev.nizhal.architecture.NizhalArchitecture.NamedRule;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Proves that each rule of {@link NizhalArchitecture} can fail: checked on its fixture (a small, deliberately broken
 * copy of the package layout under {@code dev.nizhal.archfixtures.r<n>}), it fails and names every offending class,
 * while the fixture's compliant classes (the cases the rule must allow) are not named. Each fixture breaks only its own
 * rule, so a rule cannot pass its test by accident of another rule's fixture.
 */
class ArchitectureRulesFailTest {

    private static final String FIXTURES = "dev.nizhal.archfixtures";

    static final List<NamedRule> RULES = NizhalArchitecture.RULES;

    /** The class javac generates for an enum switch in {@code ChangeLog}'s default method: synthetic, not declared. */
    private static final String SWITCH_MAP_OF_CHANGE_LOG = "r6.ports.out.ChangeLog$1";

    /** Per rule id: the classes its fixture must be blamed for, and the classes it must not be blamed for. */
    private static final Map<String, Expectation> EXPECTATIONS = Map.ofEntries(
            Map.entry(
                    "R1",
                    new Expectation(
                            List.of("r1.domain.rules.InjectedRules", "r1.domain.rules.RulesFromPorts"),
                            List.of("r1.domain.cursor.CursorSignature", "r1.domain.rules.RuleName"))),
            Map.entry(
                    "R2",
                    new Expectation(
                            List.of("r2.ports.pull.ChangeReader", "r2.ports.pull.ClaimsReader"),
                            List.of("r2.ports.pull.WindowPlanner", "r2.ports.out.ChangeLog", "r2.domain.Bucket"))),
            Map.entry(
                    "R3",
                    new Expectation(
                            List.of("r3.adapters.jaxrs.JaxrsPullResource", "r3.adapters.jdbi.JdbiChangeLog"),
                            List.of(
                                    "r3.adapters.jaxrs.internal.ResourcePaths",
                                    "r3.adapters.json.JsonArgsCodec",
                                    "r3.Wiring"))),
            Map.entry(
                    "R4",
                    new Expectation(
                            List.of("r4.admin.JournalView", "r4.admin.ServerView", "r4.admin.WiringView"),
                            List.of("r4.admin.BucketsView"))),
            Map.entry(
                    "R5",
                    new Expectation(
                            List.of(
                                    "r5.domain.CallsInstantNow",
                                    "r5.domain.CallsLocalDateTimeNowInZone",
                                    "r5.domain.CallsClockSystemUtc",
                                    "r5.domain.CallsCurrentTimeMillis",
                                    "r5.domain.CallsNanoTime",
                                    "r5.domain.ConstructsDate",
                                    "r5.domain.CallsRandomUuid",
                                    "r5.domain.ConstructsRandom",
                                    "r5.domain.ConstructsSecureRandom",
                                    "r5.domain.CallsThreadLocalRandom",
                                    "r5.domain.CallsMathRandom",
                                    "r5.ports.pull.ReferencesInstantNow",
                                    "r5.ports.pull.ReferencesRandomConstructor"),
                            List.of("r5.domain.ReadsTheGivenClock", "r5.adapters.jdbi.SystemClock"))),
            Map.entry(
                    "R6",
                    new Expectation(
                            List.of(
                                    "r6.ports.in.PullChangesService",
                                    "r6.ports.out.AbstractChangeLog",
                                    "r6.adapters.jdbi.ChangeLogPort",
                                    "r6.ports.pull.PullChangesImpl",
                                    "r6.domain.BucketManager",
                                    "r6.adapters.json.JsonHelper",
                                    "r6.domain.KeyUtil",
                                    "r6.domain.KeyUtils"),
                            List.of(
                                    "r6.ports.in.PullChanges",
                                    "r6.ports.in.PullChanges$Request",
                                    "r6.ports.in.PullRejected",
                                    "r6.ports.out.ChangeKind",
                                    "r6.ports.out.ChangeLog",
                                    SWITCH_MAP_OF_CHANGE_LOG,
                                    "r6.ports.out.ChangeWindow",
                                    "r6.adapters.websocket.WebSocketTransport"))),
            Map.entry(
                    "R7",
                    new Expectation(
                            List.of("r7.ports.pull.PublicPullService", "r7.ports.push.PublicPushService"),
                            List.of(
                                    "r7.ports.pull.PullService",
                                    "r7.ports.pull.PullServices",
                                    "r7.ports.pull.ChangeWindowPlanner",
                                    "r7.ports.push.AbstractPushService"))),
            Map.entry(
                    "R8",
                    new Expectation(
                            List.of(
                                    "r8.adapters.jaxrs.SqlErrorMapper",
                                    "r8.adapters.json.JdbiJsonColumns",
                                    "r8.adapters.websocket.PooledNotifier",
                                    "r8.domain.RowTimestamps"),
                            List.of(
                                    "r8.adapters.jdbi.JdbiChangeLog",
                                    "r8.Nizhal",
                                    "r8.server.ServerMain",
                                    "r8.demo.NotesSchema"))),
            Map.entry(
                    "R9",
                    new Expectation(
                            List.of("r9.adapters.jaxrs.FieldInjectedResource"),
                            List.of("r9.adapters.jaxrs.ConstructorInjectedResource"))),
            Map.entry(
                    "R10",
                    new Expectation(
                            List.of("r10.adapters.jdbi.JdbiFailure", "r10.domain.CheckedProblem"),
                            // not the fixture's SyncException: the report names it as the type the offenders should
                            // extend
                            List.of("r10.domain.error.RuleRejected", "r10.adapters.jdbi.StorageUnavailable"))),
            Map.entry(
                    "R11",
                    new Expectation(
                            List.of(
                                    "r11.ports.service.ExposedServices",
                                    "r11.ports.service.BrokenByDefault",
                                    "r11.Wiring",
                                    "r11.adapters.jdbi.JdbiPushHooks"),
                            List.of(
                                    "r11.ports.service.PullService",
                                    "r11.ports.service.HiddenHooks",
                                    "r11.adapters.jdbi.JdbiTransactions"))));

    private record Expectation(List<String> offenders, List<String> compliant) {}

    @Test
    void everyRuleHasAFixture() {
        assertThat(EXPECTATIONS.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        RULES.stream().map(NamedRule::id).toList());
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("RULES")
    void ruleFailsOnItsFixtureAndNamesEachOffendingClass(NamedRule rule) {
        Expectation expected = EXPECTATIONS.get(rule.id());
        JavaClasses fixture = importFixture(rule.id());
        assertThat(qualified(expected.offenders()))
                .as("offending classes exist in the fixture")
                .allSatisfy(name -> assertThat(fixture.contain(name)).as(name).isTrue());
        assertThat(qualified(expected.compliant()))
                .as("compliant classes exist in the fixture")
                .allSatisfy(name -> assertThat(fixture.contain(name)).as(name).isTrue());

        assertThat(rule.on(fixtureRoot(rule.id())).evaluate(fixture).hasViolation())
                .isTrue();
        AssertionError failure = catchThrowableOfType(
                AssertionError.class, () -> rule.on(fixtureRoot(rule.id())).check(fixture));

        assertThat(failure).as("%s must fail on its fixture", rule.id()).isNotNull();
        String report = failure.getMessage();
        assertThat(qualified(expected.offenders()))
                .allSatisfy(name -> assertThat(names(report, name))
                        .as("the report names %s:%n%s", name, report)
                        .isTrue());
        assertThat(qualified(expected.compliant()))
                .allSatisfy(name -> assertThat(names(report, name))
                        .as("the report blames compliant %s:%n%s", name, report)
                        .isFalse());
    }

    @ParameterizedTest(name = "fixture of {0}")
    @FieldSource("RULES")
    void fixtureBreaksNoOtherRule(NamedRule owner) {
        JavaClasses fixture = importFixture(owner.id());
        List<String> alsoBroken = new ArrayList<>();
        for (NamedRule other : RULES) {
            if (other.equals(owner)) {
                continue;
            }
            // a fixture need not contain every layer, so emptiness is no failure here
            var result =
                    other.on(fixtureRoot(owner.id())).allowEmptyShould(true).evaluate(fixture);
            if (result.hasViolation()) {
                alsoBroken.add(result.getFailureReport().toString());
            }
        }
        assertThat(alsoBroken).isEmpty();
    }

    /** R6 must skip the compiler's synthetic classes; this shows the fixture really has one to skip. */
    @Test
    void r6FixtureHasASyntheticClassInOut() {
        JavaClasses fixture = importFixture("R6");
        String switchMap = FIXTURES + "." + SWITCH_MAP_OF_CHANGE_LOG;

        assertThat(fixture.contain(switchMap)).isTrue();
        assertThat(fixture.get(switchMap).getModifiers()).contains(JavaModifier.SYNTHETIC);
    }

    @Test
    void productionImportSkipsMavenTestJarsButNotMainJars() {
        var option = new DoNotIncludeMavenTestJars();
        String repository = "jar:file:/home/dev/.m2/repository/dev/nizhal/nizhal-adapters-jdbi/0.1.0-SNAPSHOT/";

        assertThat(option.includes(Location.of(URI.create(repository
                        + "nizhal-adapters-jdbi-0.1.0-SNAPSHOT-tests.jar!/dev/nizhal/adapters/jdbi/Db.class"))))
                .isFalse();
        assertThat(option.includes(Location.of(URI.create(
                        repository + "nizhal-adapters-jdbi-0.1.0-SNAPSHOT.jar!/dev/nizhal/adapters/jdbi/Db.class"))))
                .isTrue();
    }

    private static JavaClasses importFixture(String ruleId) {
        return new ClassFileImporter().importPackages(fixtureRoot(ruleId));
    }

    private static String fixtureRoot(String ruleId) {
        return FIXTURES + "." + ruleId.toLowerCase(Locale.ROOT);
    }

    private static List<String> qualified(List<String> names) {
        return names.stream().map(name -> FIXTURES + "." + name).toList();
    }

    /** Whether {@code report} names the class itself, not merely a class whose name starts the same. */
    private static boolean names(String report, String className) {
        return Pattern.compile(Pattern.quote(className) + "(?![\\w$])")
                .matcher(report)
                .find();
    }
}
