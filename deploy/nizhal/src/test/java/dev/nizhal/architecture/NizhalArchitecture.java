package dev.nizhal.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaModifier.SYNTHETIC;
import static com.tngtech.archunit.core.domain.properties.HasModifiers.Predicates.modifier;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget.CodeUnitAccessTarget;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaAnnotation;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.elements.ClassesShouldConjunction;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The architecture rules R1–R11 of {@code ARCHITECTURE.md}, as ArchUnit rules.
 *
 * <p>Every rule is a factory taking the root package, and every package it talks about is derived from that root
 * here, in one place (the {@code *Packages} methods). The same definition is therefore checked on the real code (root
 * {@code dev.nizhal}, see {@code ArchitectureTest}) and on a deliberately broken copy of the layout in test code (root
 * {@code dev.nizhal.archfixtures.r<n>}, see {@code ArchitectureRulesFailTest}): a rule that never fails is a rule with
 * a hole, and the fixtures prove that each one can.
 *
 * <p>The rules are generic (packages, kinds and names), never lists of today's classes, so code that others add to
 * domain, ports and the adapters is covered the moment it exists.
 */
public final class NizhalArchitecture {

    /**
     * What "the JDK" means for the layers that may depend on nothing else (R1, R2): the Java SE API under {@code
     * java..}, plus {@code javax.crypto..} for the cursor HMAC. Deliberately not {@code javax..} as a whole: {@code
     * javax.inject}, {@code javax.annotation} (JSR-305), {@code javax.validation} and {@code javax.persistence} are
     * libraries, not the JDK. Further JDK {@code javax} packages are added here when a layer really needs one.
     */
    static final List<String> JDK_PACKAGES = List.of("java..", "javax.crypto..");

    /**
     * The database stack that stays inside the JDBI adapter and the deploy modules (R8, and R4 for the console):
     * JDBC ({@code java.sql}, and {@code javax.sql} which ships in the same JDK module and hands out the same
     * connections), JDBI, the PostgreSQL driver, Flyway and the HikariCP pool.
     */
    static final List<String> DATABASE_PACKAGES = List.of(
            "java.sql..", "javax.sql..", "org.jdbi..", "org.postgresql..", "org.flywaydb..", "com.zaxxer.hikari..");

    /**
     * The field-injection annotations R9 bans, by name so that the rule needs none of these libraries on the
     * classpath.
     */
    static final List<String> INJECT_ANNOTATIONS =
            List.of("jakarta.inject.Inject", "javax.inject.Inject", "com.google.inject.Inject");

    private static final DescribedPredicate<JavaAnnotation<?>> INJECTION = DescribedPredicate.describe(
            INJECT_ANNOTATIONS.stream().map(name -> "@" + name).collect(Collectors.joining(" or ")),
            annotation -> INJECT_ANNOTATIONS.contains(annotation.getRawType().getName()));

    /**
     * Name suffixes that say nothing about what a type is (STYLE.md). {@code Utils} is banned with {@code Util}: it is
     * the same smell. Case-sensitive, so {@code Transport} or {@code Report} are fine.
     */
    static final List<String> FORBIDDEN_NAME_SUFFIXES = List.of("Port", "Impl", "Manager", "Helper", "Util", "Utils");

    /** Every rule with its id, so that the tests cover each one and a new rule cannot be forgotten. */
    public static final List<NamedRule> RULES = List.of(
            new NamedRule("R1", NizhalArchitecture::r1),
            new NamedRule("R2", NizhalArchitecture::r2),
            new NamedRule("R3", NizhalArchitecture::r3),
            new NamedRule("R4", NizhalArchitecture::r4),
            new NamedRule("R5", NizhalArchitecture::r5),
            new NamedRule("R6", NizhalArchitecture::r6),
            new NamedRule("R7", NizhalArchitecture::r7),
            new NamedRule("R8", NizhalArchitecture::r8),
            new NamedRule("R9", NizhalArchitecture::r9),
            new NamedRule("R10", NizhalArchitecture::r10),
            new NamedRule("R11", NizhalArchitecture::r11));

    private NizhalArchitecture() {}

    /** A rule of ARCHITECTURE.md by its id ({@code R1}...), defined for any root package. */
    public record NamedRule(String id, Function<String, ArchRule> definition) {
        public ArchRule on(String root) {
            return definition.apply(root);
        }

        @Override
        public String toString() {
            return id;
        }
    }

    // ---- the layout, relative to the root package: the one place that says which package is which layer ----

    static String domainPackages(String root) {
        return root + ".domain..";
    }

    static String portsPackages(String root) {
        return root + ".ports..";
    }

    static String drivingPortPackages(String root) {
        return root + ".ports.in..";
    }

    static String drivenPortPackages(String root) {
        return root + ".ports.out..";
    }

    /** One slice per adapter: {@code adapters.jdbi..}, {@code adapters.jaxrs..}, ... */
    static String adapterSlices(String root) {
        return root + ".adapters.(*)..";
    }

    static String adapterPackages(String root) {
        return root + ".adapters..";
    }

    static String jdbiAdapterPackages(String root) {
        return root + ".adapters.jdbi..";
    }

    static String adminConsolePackages(String root) {
        return root + ".admin..";
    }

    /**
     * The deploy modules, the only place where concrete adapters meet: the root package itself (exactly: the {@code
     * Nizhal} builder of deploy/nizhal, not its sub-packages), {@code server..} (deploy/server: the embedded server
     * and CLI), {@code demo..} (deploy/demo), {@code jakarta..} (deploy/jakarta: the CDI wiring) and {@code war..}
     * (deploy/war). A new deploy module adds its package here.
     */
    static List<String> deployPackages(String root) {
        return List.of(root, root + ".server..", root + ".demo..", root + ".jakarta..", root + ".war..");
    }

    static String allPackages(String root) {
        return root + "..";
    }

    /** The one exception root; fixtures carry their own copy at the same place relative to their root. */
    static String syncException(String root) {
        return root + ".domain.error.SyncException";
    }

    /**
     * The annotation that marks a test seam (a type, or the package-private member that enables one); fixtures carry
     * their own copy at the same place relative to their root.
     */
    static String testSeam(String root) {
        return root + ".ports.service.TestSeam";
    }

    // ---- the rules ----

    /**
     * R1: the domain depends on the JDK ({@link #JDK_PACKAGES}) and on itself only. It is the part users' rules,
     * mutators and the linter are built from, tested as pure functions; a framework, JSON library or logger in it
     * would tie every adapter and every user to that choice.
     */
    public static ArchRule r1(String root) {
        return classes()
                .that()
                .resideInAPackage(domainPackages(root))
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage(union(List.of(domainPackages(root)), JDK_PACKAGES))
                .because("R1: the domain depends on the JDK only (ARCHITECTURE.md)")
                .allowEmptyShould(false);
    }

    /**
     * R2: ports depend on the domain and the JDK only. The use cases and the driven interfaces are what every adapter
     * implements or calls; a technology in them would leak into all adapters at once.
     */
    public static ArchRule r2(String root) {
        return classes()
                .that()
                .resideInAPackage(portsPackages(root))
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage(union(List.of(portsPackages(root), domainPackages(root)), JDK_PACKAGES))
                .because("R2: ports depend on domain and the JDK only (ARCHITECTURE.md)")
                .allowEmptyShould(false);
    }

    /**
     * R3: no adapter depends on another adapter (each {@code adapters.<name>..} package tree is one slice). Adapters
     * meet only in deploy, so each one can be replaced (a second storage adapter, another web stack) without touching
     * the others. Empty is allowed: a build may have no adapter classes yet; the fixture test proves the slices match.
     */
    public static ArchRule r3(String root) {
        return slices().matching(adapterSlices(root))
                .namingSlices("adapter '$1'")
                .should()
                .notDependOnEachOther()
                .because("R3: adapters meet only in deploy (ARCHITECTURE.md)")
                .allowEmptyShould(true);
    }

    /**
     * R4: the admin console works through the {@code in} ports: it does not depend on adapters, deploy packages or the
     * database stack, so it shows what the engine sees and never runs SQL of its own. Empty is allowed: the console is
     * a later, optional module.
     */
    public static ArchRule r4(String root) {
        String[] forbidden = union(List.of(adapterPackages(root)), deployPackages(root), DATABASE_PACKAGES);
        return noClasses()
                .that()
                .resideInAPackage(adminConsolePackages(root))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(forbidden)
                .because("R4: admin-console reads sync state through the in ports only (ARCHITECTURE.md)")
                .allowEmptyShould(true);
    }

    /**
     * R5: domain and ports never read the ambient clock or randomness: time and ids come in through parameters or the
     * {@code Clock} and {@code IdGenerator} ports, so services are deterministic under test and replays are
     * reproducible. Method and constructor references count as well as calls ({@code Instant::now}).
     */
    public static ArchRule r5(String root) {
        return noClasses()
                .that()
                .resideInAnyPackage(domainPackages(root), portsPackages(root))
                .should()
                .accessTargetWhere(AMBIENT_TIME_OR_RANDOMNESS)
                .because("R5: time and ids come in through parameters or ports (ARCHITECTURE.md)")
                .allowEmptyShould(false);
    }

    /**
     * R6: (a) {@code ports.in} and {@code ports.out} hold only the port interfaces and their value types: interfaces,
     * records, enums, and exceptions extending {@code SyncException} (a port may name its specific
     * failure). An implementation there would let adapters reach around the port. Compiler-generated synthetic classes
     * (the switch map of an enum switch in a default method) are not declared types and are skipped. (b) No type is
     * named {@code *Port}, {@code *Impl}, {@code *Manager}, {@code *Helper}, {@code *Util(s)}: names say what a thing
     * is (STYLE.md).
     */
    public static ArchRule r6(String root) {
        ArchRule onlyInterfacesAndValues = classes()
                .that()
                .resideInAnyPackage(drivingPortPackages(root), drivenPortPackages(root))
                .and(not(modifier(SYNTHETIC)))
                .should()
                .beInterfaces()
                .orShould()
                .beRecords()
                .orShould()
                .beEnums()
                .orShould()
                .beAssignableTo(syncException(root))
                .because("R6: in and out hold only interfaces and their value types (ARCHITECTURE.md)")
                .allowEmptyShould(false);
        ClassesShouldConjunction badName = noClasses()
                .that()
                .resideInAPackage(allPackages(root))
                .should()
                .haveSimpleNameEndingWith(FORBIDDEN_NAME_SUFFIXES.get(0));
        for (String suffix : FORBIDDEN_NAME_SUFFIXES.subList(1, FORBIDDEN_NAME_SUFFIXES.size())) {
            badName = badName.orShould().haveSimpleNameEndingWith(suffix);
        }
        ArchRule noVagueNames =
                badName.because("R6: names say what a thing is (STYLE.md)").allowEmptyShould(false);
        return CompositeArchRule.of(onlyInterfacesAndValues).and(noVagueNames);
    }

    /**
     * R7: the services in ports (classes outside {@code in}/{@code out} that implement a driving port, directly or
     * through a superclass or sub-interface) are not public: callers get them only through the one public factory, so
     * the {@code in} interface is the whole API. Empty is allowed: services are being written.
     */
    public static ArchRule r7(String root) {
        return classes()
                .that()
                .resideInAPackage(portsPackages(root))
                .and()
                .resideOutsideOfPackages(drivingPortPackages(root), drivenPortPackages(root))
                .and()
                .areNotInterfaces()
                .and()
                .areAssignableTo(JavaClass.Predicates.resideInAPackage(drivingPortPackages(root))
                        .as("a driving port (in '%s')", drivingPortPackages(root)))
                .should()
                .notBePublic()
                .because("R7: services are created by their public factory only (ARCHITECTURE.md)")
                .allowEmptyShould(true);
    }

    /**
     * R8: nothing outside the JDBI adapter and the deploy packages uses the database stack ({@link
     * #DATABASE_PACKAGES}). SQL and connections stay behind the driven ports, which is what lets another storage
     * adapter pass the contract kits, and keeps {@code SQLException} text away from clients.
     */
    public static ArchRule r8(String root) {
        String[] allowed = union(List.of(jdbiAdapterPackages(root)), deployPackages(root));
        return noClasses()
                .that()
                .resideInAPackage(allPackages(root))
                .and()
                .resideOutsideOfPackages(allowed)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(DATABASE_PACKAGES.toArray(String[]::new))
                .because("R8: the database stays in adapters-jdbi and deploy (ARCHITECTURE.md)")
                .allowEmptyShould(false);
    }

    /**
     * R9: no field injection ({@link #INJECT_ANNOTATIONS} on a field). Dependencies come through constructors, so an
     * object is complete when built, its fields can be final, and it can be created in a test without a container.
     * Constructor injection is fine.
     */
    public static ArchRule r9(String root) {
        return noFields()
                .that()
                .areDeclaredInClassesThat()
                .resideInAPackage(allPackages(root))
                .should()
                .beAnnotatedWith(INJECTION)
                .because("R9: dependencies come through constructors (ARCHITECTURE.md)")
                .allowEmptyShould(false);
    }

    /**
     * R10: every {@link Throwable} declared in the root package tree extends {@code SyncException}: one exception root
     * with an error code, so the web adapters map every failure to a documented code and never leak another
     * exception's text. Errors and checked exceptions included.
     */
    public static ArchRule r10(String root) {
        return classes()
                .that()
                .resideInAPackage(allPackages(root))
                .and()
                .areAssignableTo(Throwable.class)
                .should()
                .beAssignableTo(syncException(root))
                .because("R10: one exception root with an error code (ARCHITECTURE.md)")
                .allowEmptyShould(false);
    }

    /**
     * R11: test seams are not API (ARCHITECTURE.md: a broken pull for the scenario teeth, observers, hooks before
     * commit live in test code or test-jars, or behind package-private wiring that only tests reach). On the types and
     * members annotated {@link #testSeam}: (a) no public or protected method, constructor or field of an exported
     * production class (public, in public enclosing classes) takes, returns or holds a seam type, except the seam
     * types' own members; (b) no production code calls or references an enabling member; (c) no production class
     * outside a seam type's own package depends on it. So a production jar cannot switch a seam on: only the test-jars'
     * {@code ServicesTestSeams} and {@code NizhalTestSeams}, which this import leaves out, do.
     */
    public static ArchRule r11(String root) {
        String seam = testSeam(root);
        ArchRule notExposed = classes()
                .that()
                .resideInAPackage(allPackages(root))
                .should(exposeNoTestSeam(seam))
                .because("R11: test seams are not API (ARCHITECTURE.md)")
                .allowEmptyShould(false);
        ArchRule notEnabled = noClasses()
                .that()
                .resideInAPackage(allPackages(root))
                .should()
                .accessTargetWhere(DescribedPredicate.describe(
                        "a test seam's enabling member (@" + seam + ")",
                        access -> access.getTarget() instanceof CodeUnitAccessTarget target
                                && target.resolveMember()
                                        .map(member -> member.isAnnotatedWith(seam))
                                        .orElse(false)))
                .because("R11: only test code switches a test seam on (ARCHITECTURE.md)")
                .allowEmptyShould(false);
        ArchRule staysInItsPackage = classes()
                .that()
                .resideInAPackage(allPackages(root))
                .should(useNoTestSeamOfAnotherPackage(seam))
                .because("R11: a test seam is used only in its own package (ARCHITECTURE.md)")
                .allowEmptyShould(false);
        return CompositeArchRule.of(notExposed).and(notEnabled).and(staysInItsPackage);
    }

    private static boolean isTestSeamType(JavaClass type, String seam) {
        JavaClass base = type.isArray() ? type.getBaseComponentType() : type;
        return base.isAnnotatedWith(seam);
    }

    /** Public and, when nested, inside public classes only: what users of the jar can name. */
    private static boolean isExported(JavaClass type) {
        return type.getModifiers().contains(JavaModifier.PUBLIC)
                && type.getEnclosingClass().map(NizhalArchitecture::isExported).orElse(true);
    }

    private static ArchCondition<JavaClass> exposeNoTestSeam(String seam) {
        return new ArchCondition<>("expose no test seam (@" + seam + ") in a public or protected signature") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                if (!isExported(type) || isTestSeamType(type, seam)) {
                    return;
                }
                for (JavaMember member : type.getMembers()) {
                    Set<JavaModifier> modifiers = member.getModifiers();
                    if (modifiers.contains(JavaModifier.SYNTHETIC)
                            || !(modifiers.contains(JavaModifier.PUBLIC)
                                    || modifiers.contains(JavaModifier.PROTECTED))) {
                        continue;
                    }
                    Set<JavaClass> signature = new LinkedHashSet<>();
                    if (member instanceof JavaCodeUnit unit) {
                        unit.getParameterTypes().forEach(t -> signature.addAll(t.getAllInvolvedRawTypes()));
                        signature.addAll(unit.getReturnType().getAllInvolvedRawTypes());
                    } else if (member instanceof JavaField field) {
                        signature.addAll(field.getType().getAllInvolvedRawTypes());
                    }
                    signature.stream()
                            .filter(t -> isTestSeamType(t, seam))
                            .forEach(t -> events.add(SimpleConditionEvent.violated(
                                    member,
                                    member.getDescription() + " exposes the test seam " + t.getName() + " in "
                                            + member.getSourceCodeLocation())));
                }
            }
        };
    }

    private static ArchCondition<JavaClass> useNoTestSeamOfAnotherPackage(String seam) {
        return new ArchCondition<>("use no test seam (@" + seam + ") of another package") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
                    JavaClass target = dependency.getTargetClass();
                    JavaClass base = target.isArray() ? target.getBaseComponentType() : target;
                    if (isTestSeamType(base, seam) && !base.getPackageName().equals(type.getPackageName())) {
                        events.add(SimpleConditionEvent.violated(
                                dependency, dependency.getDescription() + " (a test seam of another package)"));
                    }
                }
            }
        };
    }

    // ---- R5's list of ambient sources ----

    /** {@code Owner.name} of static methods and constructors ({@code <init>}) that read the clock or randomness. */
    private static final Set<String> AMBIENT_CODE_UNITS = Set.of(
            "java.lang.System.currentTimeMillis",
            "java.lang.System.nanoTime",
            "java.time.Clock.systemUTC",
            "java.time.Clock.systemDefaultZone",
            "java.time.Clock.system",
            "java.time.Clock.tickMillis",
            "java.time.Clock.tickSeconds",
            "java.time.Clock.tickMinutes",
            "java.time.InstantSource.system",
            "java.util.UUID.randomUUID",
            "java.util.Random.<init>",
            "java.security.SecureRandom.<init>",
            "java.security.SecureRandom.getInstance",
            "java.security.SecureRandom.getInstanceStrong",
            "java.util.SplittableRandom.<init>",
            "java.util.concurrent.ThreadLocalRandom.current",
            "java.util.random.RandomGenerator.getDefault",
            "java.util.random.RandomGenerator.of",
            "java.lang.Math.random",
            "java.lang.StrictMath.random");

    /**
     * The ambient clock and randomness: {@link #AMBIENT_CODE_UNITS}, every {@code now(...)} of {@code java.time} except
     * {@code now(Clock)} (which reads the clock it is given), and {@code new Date()} without arguments.
     */
    private static final DescribedPredicate<JavaAccess<?>> AMBIENT_TIME_OR_RANDOMNESS = DescribedPredicate.describe(
            "the ambient clock or randomness (Instant.now(), System.currentTimeMillis(), UUID.randomUUID(),"
                    + " new Random(), ...)",
            NizhalArchitecture::readsAmbientTimeOrRandomness);

    private static boolean readsAmbientTimeOrRandomness(JavaAccess<?> access) {
        if (!(access.getTarget() instanceof CodeUnitAccessTarget target)) {
            return false; // field accesses: none of the JDK's clocks or generators is a field
        }
        String owner = target.getOwner().getName();
        String name = target.getName();
        List<String> parameters =
                target.getRawParameterTypes().stream().map(JavaClass::getName).toList();
        if (AMBIENT_CODE_UNITS.contains(owner + "." + name)) {
            return true;
        }
        if (name.equals("now") && owner.startsWith("java.time.")) {
            return !parameters.equals(List.of("java.time.Clock"));
        }
        return owner.equals("java.util.Date") && name.equals("<init>") && parameters.isEmpty();
    }

    // ---- importing ----

    /**
     * The production classes under {@code root} on the classpath: every module's main classes, never test classes
     * (the fixtures live under the same root {@code dev.nizhal}) nor Maven test-jars (contract kits and fakes, see
     * {@link DoNotIncludeMavenTestJars}).
     */
    public static JavaClasses importProductionClasses(String root) {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(new DoNotIncludeMavenTestJars())
                .importPackages(root);
    }

    /**
     * Excludes Maven test-jars ({@code *-tests.jar}). {@link ImportOption.Predefined#DO_NOT_INCLUDE_TESTS} only knows
     * test class directories; a module that uses another module's test-jar (the database helper of adapters-jdbi, the
     * contract kits of ports) would otherwise have those test classes checked as production code.
     */
    public static final class DoNotIncludeMavenTestJars implements ImportOption {
        private static final Pattern TEST_JAR = Pattern.compile(".*-tests\\.jar!/.*");

        @Override
        public boolean includes(Location location) {
            return !location.matches(TEST_JAR);
        }
    }

    @SafeVarargs
    private static String[] union(List<String>... groups) {
        return Stream.of(groups).flatMap(List::stream).toArray(String[]::new);
    }
}
