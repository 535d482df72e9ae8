package dev.nizhal.adapters.jdbi.testing;

import static java.lang.System.Logger.Level.INFO;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test class a fresh, empty PostgreSQL database as a {@link TestDatabase} parameter (of the
 * constructor, of {@code @BeforeAll}, {@code @BeforeEach} and test methods), and drops it after the class.
 *
 * <pre>{@code
 * @ExtendWith(PostgresExtension.class)
 * class JdbiChangeLogIT {
 *     @Test
 *     void readsAWindow(TestDatabase database) { ... database.jdbi() ... }
 * }
 * }</pre>
 *
 * <p>Register it with {@code @ExtendWith} or on a {@code static} {@code @RegisterExtension} field (on an instance
 * field JUnit does not call it before the class). A {@code @Nested} class shares its enclosing class's database.
 *
 * <p>The server is one per test JVM, started on first use and stopped by a shutdown hook:
 *
 * <ol>
 *   <li>the server at the environment variable {@code NIZHAL_TEST_JDBC_URL} when it is set (PostgreSQL 13 or newer;
 *       credentials in the URL or in {@code NIZHAL_TEST_JDBC_USER} and {@code NIZHAL_TEST_JDBC_PASSWORD}; the user
 *       must be allowed to {@code CREATE DATABASE});
 *   <li>else a PostgreSQL 18 container through Testcontainers when Docker is available (system property {@code
 *       nizhal.test.postgresImage} for another image);
 *   <li>else an embedded PostgreSQL 18 (zonky) with its data in the system temporary directory.
 * </ol>
 *
 * The servers the helper starts allow two-phase commit; see {@link TestDatabase#requireTwoPhaseCommit()}. With the
 * system property {@code nizhal.test.keepDatabases=true} the databases (and the embedded server's data directory)
 * are kept and their names logged.
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final System.Logger LOG = System.getLogger(PostgresExtension.class.getName());
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(PostgresExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        // the lookup includes the enclosing classes: a @Nested class works on the data its outer class set up
        if (database(context) == null) {
            TestDatabase database = TestServer.shared()
                    .createDatabase(context.getRequiredTestClass().getSimpleName());
            context.getStore(NAMESPACE).put(TestDatabase.class, database);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // remove() sees only this class's own store, so a @Nested class leaves its outer class's database alone
        TestDatabase database = context.getStore(NAMESPACE).remove(TestDatabase.class, TestDatabase.class);
        if (database == null) {
            return;
        }
        if (TestServer.keep()) {
            LOG.log(INFO, "Kept {0}", database);
        } else {
            TestServer.shared().dropDatabase(database);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == TestDatabase.class;
    }

    @Override
    public TestDatabase resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        TestDatabase database = database(extensionContext);
        if (database == null) {
            throw new ParameterResolutionException("No TestDatabase: register " + PostgresExtension.class.getName()
                    + " with @ExtendWith or on a static @RegisterExtension field");
        }
        return database;
    }

    private static TestDatabase database(ExtensionContext context) {
        return context.getStore(NAMESPACE).get(TestDatabase.class, TestDatabase.class);
    }
}
