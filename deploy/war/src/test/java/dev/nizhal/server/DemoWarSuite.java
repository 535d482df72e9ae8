package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.adapters.jwt.KeySource;
import dev.nizhal.server.HttpTarget.Reply;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The demo WAR exactly as built (notes and shared lists, JWT HS256), on an application server configured only through
 * the environment as docs/deploy.md says: the README's curl tour, MicroProfile Health, and a bad configuration that
 * logs one line naming the key, reports DOWN and answers requests with the protocol's error, never a stack trace.
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DemoWarSuite {
    static final byte[] SECRET =
            Arrays.copyOf("nizhal-demo-war-test-secret-0123456789".getBytes(StandardCharsets.UTF_8), 32);
    static final byte[] CURSOR_KEY =
            Arrays.copyOf("nizhal-demo-war-cursor-key-0123456789".getBytes(StandardCharsets.UTF_8), 32);

    /** Basic headers without a colon, not base64, empty. */
    private static final List<String> MALFORMED_BASIC = List.of("Basic YWRtaW4=", "Basic %%%", "Basic ");

    private final WarRuntime runtime;
    private final String missingVariable;

    /**
     * @param missingVariable the environment variable the bad-configuration test leaves out, whose key its log line
     *     must name
     */
    DemoWarSuite(WarRuntime runtime, String missingVariable) {
        this.runtime = runtime;
        this.missingVariable = missingVariable;
    }

    static Map<String, String> env(TestDatabase database) {
        Map<String, String> env = new HashMap<>();
        env.put("NIZHAL_JDBC_URL", database.jdbcUrl());
        env.put("NIZHAL_JDBC_USER", database.user());
        env.put("NIZHAL_JDBC_PASSWORD", WarSuites.password(database));
        env.put("NIZHAL_CURSOR_KEY", Base64.getEncoder().encodeToString(CURSOR_KEY));
        env.put("NIZHAL_JWT_SECRET", Base64.getEncoder().encodeToString(SECRET));
        return env;
    }

    static String token(String user) {
        Issuer issuer = Issuer.builder(KeySource.hmacSecret(SECRET)).build();
        return new HmacTokenIssuer(issuer, Instant::now).sign(user, Duration.ofHours(1));
    }

    private static List<String> keys(Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<String> keys = new ArrayList<>();
        for (JsonNode change : reply.json().get("changes")) {
            keys.add(change.get("collection").asText() + "/" + change.get("key").asText());
        }
        return keys;
    }

    @Test
    void theReadmeTourRunsOnTheDemoWar(TestDatabase database) {
        try (WarServer server = runtime.start(runtime.id() + "-demo", WarServer.builtWar(), env(database));
                HttpTarget http =
                        new HttpTarget(server.base(), database.jdbcUrl(), database.user(), database.password())) {
            server.awaitReady(Duration.ofSeconds(60));
            String alice = token("alice");
            String bob = token("bob");
            Reply pushed = http.post(
                    "sync/push",
                    alice,
                    "{\"clientId\":\"c-alice-1\",\"mutations\":[{\"id\":1,\"name\":\"addNote\",\"args\":{\"id\":\"n1\","
                            + "\"body\":\"hello\"}}]}");
            assertThat(pushed.status()).as(pushed.body()).isEqualTo(200);
            assertThat(pushed.json().get("results").get(0).get("status").asText())
                    .isEqualTo("applied");
            assertThat(keys(http.post("sync/pull", alice, "{\"syncRule\":\"myNotes\",\"clientId\":\"c-alice-1\"}")))
                    .contains("notes/n1");
            assertThat(keys(http.post("sync/pull", bob, "{\"syncRule\":\"myNotes\",\"clientId\":\"c-bob-1\"}")))
                    .doesNotContain("notes/n1");
            Reply shared = http.post(
                    "sync/push",
                    alice,
                    "{\"clientId\":\"c-alice-1\",\"mutations\":[{\"id\":2,\"name\":\"createList\",\"args\":{\"id\":"
                            + "\"groceries\",\"name\":\"Groceries\"}},{\"id\":3,\"name\":\"addTodo\",\"args\":{\"id\":"
                            + "\"t1\",\"listId\":\"groceries\",\"title\":\"Milk\"}},{\"id\":4,\"name\":\"addMember\","
                            + "\"args\":{\"listId\":\"groceries\",\"userId\":\"bob\"}}]}");
            assertThat(shared.status()).as(shared.body()).isEqualTo(200);
            assertThat(keys(http.post("sync/pull", bob, "{\"syncRule\":\"sharedLists\",\"clientId\":\"c-bob-1\"}")))
                    .containsExactlyInAnyOrder("lists/groceries", "todos/t1");
            Reply contract = http.get("nizhal/contract", alice);
            assertThat(contract.status()).isEqualTo(200);
            assertThat(contract.body()).contains("myNotes", "sharedLists", "addNote", "createList");
            assertThat(http.get("nizhal/contract", null).error().get("code").asText())
                    .isEqualTo("UNAUTHENTICATED");
            assertThat(http.get("nizhal/health", null).status()).isEqualTo(200);
            // without the console the WAR has no authentication mechanism: a malformed Basic header means nothing
            for (String header : MALFORMED_BASIC) {
                assertThat(server.plain("nizhal/health", "Authorization", header)
                                .status())
                        .as("the health check with " + header)
                        .isEqualTo(200);
            }
            // MicroProfile Health at the server's /health/ready: Nizhal's readiness check is UP
            Reply ready = server.plain("health/ready");
            assertThat(ready.status()).as(ready.body()).isEqualTo(200);
            assertThat(ready.body()).contains("\"nizhal\"").contains("UP");
            assertThat(server.plain("health/live").status()).isEqualTo(200);
        }
    }

    @Test
    void aMissingSettingIsOneLogLineNamingTheKeyReadinessDownAndProtocolErrors(TestDatabase database) {
        Map<String, String> env = env(database);
        env.remove(missingVariable);
        String key = missingVariable.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
        try (WarServer server = runtime.start(runtime.id() + "-bad-config", WarServer.builtWar(), env);
                HttpTarget http =
                        new HttpTarget(server.base(), database.jdbcUrl(), database.user(), database.password())) {
            Reply ready = server.plain("health/ready");
            assertThat(ready.status()).as(ready.body()).isEqualTo(503);
            assertThat(ready.body()).contains("DOWN").contains(key);
            for (int retry = 0; retry < 3; retry++) {
                Reply pull = http.post("sync/pull", token("alice"), "{\"syncRule\":\"myNotes\",\"clientId\":\"c-1\"}");
                assertThat(pull.status()).isEqualTo(503);
                assertThat(pull.error().get("code").asText()).isEqualTo("TRANSIENT");
            }
            assertThat(http.get("nizhal/health", null).status()).isEqualTo(503);
            List<String> lines = server.notStartedLines();
            assertThat(lines).as("Nizhal's log lines about the start").hasSize(1);
            assertThat(lines.getFirst()).contains("bad configuration: " + key);
            // the state was logged once: the answers while not serving add nothing above DEBUG
            assertThat(server.log()).doesNotContain("the sync service is not ready");
        }
    }

    /**
     * The demo's mutator {@code addNoteWithJpa} writes a {@code Note} through the container's JPA {@code
     * EntityManager} (EclipseLink) in the JTA transaction of the push ({@code nizhal.transactions=jta}): the note's
     * row, its change-log rows and the journal entry commit in one database transaction; a body that throws after the
     * write, a JPA write that fails and a journal insert that fails each leave no note; the note reaches its owner by
     * pull; a replayed mutation id writes nothing again.
     */
    @Test
    void aMutatorWritesThroughJpaInThePushTransaction(TestDatabase database) {
        Map<String, String> env = env(database);
        env.put("DEMO_NOTES_QUOTA", "2");
        try (WarServer server = runtime.start(runtime.id() + "-jpa", WarServer.builtWar(), env);
                HttpTarget http =
                        new HttpTarget(server.base(), database.jdbcUrl(), database.user(), database.password())) {
            server.awaitReady(Duration.ofSeconds(60));
            assertThat(server.log()).contains("pushes in JTA transactions");
            String carol = token("carol");

            // (1) the entity's row, its change-log row and the journal entry: one PostgreSQL transaction
            Reply first = pushJpaNote(http, carol, "c-jpa-1", 1, "jpa-1", "written with JPA");
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            JsonNode applied = first.json().get("results").get(0);
            assertThat(applied.get("status").asText()).as(first.body()).isEqualTo("applied");
            assertThat(applied.get("result").get("serverId").asText()).isEqualTo("jpa-1");
            assertThat(applied.get("result").get("affectedBuckets").toString()).contains("myNotes[\\\"carol\\\"]");
            assertThat(http.count("select count(*) from notes n join nizhal.mutation_journal j"
                            + " on j.client_id = 'c-jpa-1' and j.mutation_id = 1 and j.status = 'applied'"
                            + " where n.id = 'jpa-1' and n.owner_id = 'carol' and n.body = 'written with JPA'"
                            // written by the capture trigger of the note's insert, so in the note's transaction
                            + " and exists (select 1 from nizhal.change_log c where c.txid = j.txid"
                            + " and 'jpa-1' = any (c.pks))"))
                    .as("the note's change-log row and its journal entry in one transaction")
                    .isEqualTo(1);

            // (3) the capture triggers logged the JPA write: it reaches its owner by pull, and no one else
            // (the suite's other tests may have left notes of their own in this database)
            assertThat(keys(http.post("sync/pull", carol, "{\"syncRule\":\"myNotes\",\"clientId\":\"c-jpa-1\"}")))
                    .contains("notes/jpa-1");
            assertThat(keys(http.post(
                            "sync/pull", token("bob"), "{\"syncRule\":\"myNotes\",\"clientId\":\"c-jpa-bob\"}")))
                    .doesNotContain("notes/jpa-1");

            // (4) the same mutation id again: the recorded outcome, nothing written twice
            long logged = http.count("select count(*) from nizhal.change_log where 'jpa-1' = any (pks)");
            Reply again = pushJpaNote(http, carol, "c-jpa-1", 1, "jpa-1", "written with JPA");
            assertThat(again.status()).as(again.body()).isEqualTo(200);
            JsonNode replayed = again.json().get("results").get(0);
            assertThat(replayed.get("status").asText()).isEqualTo("applied");
            assertThat(replayed.get("replayed").asBoolean()).as(again.body()).isTrue();
            assertThat(http.count("select count(*) from notes where id = 'jpa-1'"))
                    .isEqualTo(1);
            assertThat(http.count("select count(*) from nizhal.mutation_journal where client_id = 'c-jpa-1'"))
                    .isEqualTo(1);
            assertThat(http.count("select count(*) from nizhal.change_log where 'jpa-1' = any (pks)"))
                    .isEqualTo(logged);

            // (2) the body throws after its JPA write (flushed by its query): rejected, recorded, no note
            assertThat(status(pushJpaNote(http, carol, "c-jpa-1", 2, "jpa-2", "second")))
                    .isEqualTo("applied");
            Reply over = pushJpaNote(http, carol, "c-jpa-1", 3, "jpa-3", "over the quota of 2");
            JsonNode quota = over.json().get("results").get(0);
            assertThat(quota.get("status").asText()).as(over.body()).isEqualTo("rejected");
            assertThat(quota.get("error").get("details").get("reason").asText()).isEqualTo("QUOTA");
            assertThat(http.count("select count(*) from notes where id = 'jpa-3'"))
                    .isZero();
            assertThat(http.count("select count(*) from nizhal.change_log where 'jpa-3' = any (pks)"))
                    .isZero();
            assertThat(http.count("select count(*) from nizhal.mutation_journal"
                            + " where client_id = 'c-jpa-1' and mutation_id = 3 and status = 'rejected'"))
                    .isEqualTo(1);

            // (2) the JPA write itself fails (a duplicate key at flush): EclipseLink marks the JTA transaction
            // rollback-only, so the failure is recorded by a second transaction; the first note is untouched
            Reply duplicate = pushJpaNote(http, carol, "c-jpa-1", 4, "jpa-1", "a duplicate");
            JsonNode failed = duplicate.json().get("results").get(0);
            assertThat(failed.get("status").asText()).as(duplicate.body()).isEqualTo("rejected");
            assertThat(failed.get("error").get("code").asText()).isEqualTo("MUTATOR_FAILED");
            assertThat(http.count("select count(*) from notes where id = 'jpa-1' and body = 'written with JPA'"))
                    .isEqualTo(1);
            assertThat(http.count("select count(*) from nizhal.mutation_journal"
                            + " where client_id = 'c-jpa-1' and mutation_id = 4 and status = 'rejected'"))
                    .isEqualTo(1);
            // and the client goes on with its next mutation
            assertThat(status(pushJpaNote(http, carol, "c-jpa-1", 5, "jpa-5", "after the failure")))
                    .isEqualTo("rejected"); // the quota: carol has two notes
            assertThat(http.count("select count(*) from notes where owner_id = 'carol'"))
                    .isEqualTo(2);

            // (2) the journal insert fails after the JPA write: neither the note nor an entry is kept
            http.execute("create function test_refuse_journal() returns trigger language plpgsql as $$ begin"
                    + " if new.client_id = 'c-jpa-refused' then raise exception 'the journal refuses this entry';"
                    + " end if; return new; end $$");
            http.execute("create trigger test_refuse_journal before insert on nizhal.mutation_journal"
                    + " for each row execute function test_refuse_journal()");
            String bob = token("bob");
            Reply refused = pushJpaNote(http, bob, "c-jpa-refused", 1, "jpa-bob", "never kept");
            assertThat(refused.status()).as(refused.body()).isEqualTo(500);
            assertThat(refused.error().get("code").asText()).isEqualTo("INTERNAL");
            assertThat(http.count("select count(*) from notes where id = 'jpa-bob'"))
                    .isZero();
            assertThat(http.count("select count(*) from nizhal.change_log where 'jpa-bob' = any (pks)"))
                    .isZero();
            assertThat(http.count("select count(*) from nizhal.mutation_journal where client_id = 'c-jpa-refused'"))
                    .isZero();
            http.execute("drop trigger test_refuse_journal on nizhal.mutation_journal");
            assertThat(status(pushJpaNote(http, bob, "c-jpa-refused", 1, "jpa-bob", "kept now")))
                    .isEqualTo("applied");
            assertThat(keys(http.post("sync/pull", bob, "{\"syncRule\":\"myNotes\",\"clientId\":\"c-jpa-refused\"}")))
                    .contains("notes/jpa-bob");
        }
    }

    private static Reply pushJpaNote(
            HttpTarget http, String token, String clientId, long id, String noteId, String body) {
        return http.post(
                "sync/push",
                token,
                "{\"clientId\":\"" + clientId + "\",\"mutations\":[{\"id\":" + id + ",\"name\":\"addNoteWithJpa\","
                        + "\"args\":{\"id\":\"" + noteId + "\",\"body\":\"" + body + "\"}}]}");
    }

    private static String status(Reply push) {
        assertThat(push.status()).as(push.body()).isEqualTo(200);
        return push.json().get("results").get(0).get("status").asText();
    }

    /**
     * The admin console in the WAR: container security lets only the role nizhal-admin in, on every URL under /admin,
     * Vaadin's own requests included. The demo's operator signs in by the form at /admin-login (a session) or by HTTP
     * Basic (curl); a user without the role gets 403, and so does an anonymous request of any method to any /admin URL,
     * with no challenge and a pointer to the sign-in page; the operator gets Vaadin's page, its bundle and a UI.
     */
    @Test
    void theAdminConsoleLetsInOnlyTheRoleNizhalAdmin(TestDatabase database) {
        Map<String, String> env = env(database);
        env.put("NIZHAL_ADMIN_CONSOLE", "true");
        env.put("DEMO_ADMIN_PASSWORD", "operator-password-1");
        env.put("DEMO_VIEWER_PASSWORD", "viewer-password-1");
        env.put("NIZHAL_LTPA_KEYS_PASSWORD", "ltpa-keys-password-1"); // Open Liberty's; Payara ignores it
        String admin = basic("admin", "operator-password-1");
        try (WarServer server = runtime.start(runtime.id() + "-console", WarServer.builtWar(), env)) {
            server.awaitReady(Duration.ofSeconds(60));
            Reply page = server.plain("admin/", "Authorization", admin);
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            Matcher script = Pattern.compile("src=\"(?:\\./)?(VAADIN/build/[^\"]+\\.js)\"")
                    .matcher(page.body());
            assertThat(script.find())
                    .as("the page loads Vaadin's bundle: " + page.body())
                    .isTrue();
            String bundle = "admin/" + script.group(1);
            assertThat(server.plain(bundle, "Authorization", admin).status()).isEqualTo(200);
            for (String path : List.of("admin", "admin/", "admin/journal", bundle, "admin/?v-r=init&location=")) {
                for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")) {
                    Reply anonymous = server.request(method, path, method.equals("POST") ? "{}" : null);
                    assertThat(anonymous.status())
                            .as("anonymous: " + method + " " + path)
                            .isEqualTo(403);
                    assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
                            .as("a challenge to an anonymous " + method + " " + path)
                            .isEmpty();
                    if (!method.equals("HEAD")) {
                        assertThat(anonymous.body())
                                .as(method + " " + path)
                                .contains("/admin-login")
                                .doesNotContain("VAADIN/build");
                    }
                }
                Reply viewer = server.plain(path, "Authorization", basic("viewer", "viewer-password-1"));
                assertThat(viewer.status())
                        .as("a signed-in user without the role: " + path)
                        .isEqualTo(403);
                assertThat(viewer.body()).doesNotContain("VAADIN/build");
                // credentials were offered: the refusal is a Basic challenge
                Reply wrong = server.plain(path, "Authorization", basic("admin", "not-the-password"));
                assertThat(wrong.status()).as("a wrong password: " + path).isEqualTo(401);
                assertThat(wrong.headers().firstValue("WWW-Authenticate"))
                        .hasValueSatisfying(challenge -> assertThat(challenge).startsWith("Basic"));
            }
            // a malformed Basic header (no colon, not base64) is a refused sign-in on the console and nothing at all
            // on the sync API's paths; Open Liberty 26.0.0.5 answers those 500 itself once an application has an
            // authentication mechanism (docs/deploy.md), so it is checked on Payara here, on both with the console off
            if (runtime == WarRuntime.PAYARA_MICRO) {
                for (String header : MALFORMED_BASIC) {
                    assertThat(server.plain("admin/", "Authorization", header).status())
                            .as("the console with " + header)
                            .isEqualTo(401);
                    assertThat(server.plain("nizhal/health", "Authorization", header)
                                    .status())
                            .as("the health check with " + header)
                            .isEqualTo(200);
                }
            }
            // the UI Vaadin's client starts with, made for the operator in production mode (the views' own content
            // comes by the client's navigation: clients/e2e/admin.test.ts drives them in a browser)
            Reply init = server.plain("admin/?v-r=init&location=", "Authorization", admin);
            assertThat(init.status()).as(init.body()).isEqualTo(200);
            assertThat(init.body()).contains("\"appConfig\"").contains("\"productionMode\":true");
            signInByTheForm(server);
        }
    }

    /**
     * The sign-in page as a browser uses it: the form posted from the page's origin; a wrong password, a user without
     * the role and a form posted by another site are refused with the form again and no session; the operator is sent
     * to the console, whose page and UI the session cookie then opens.
     */
    private void signInByTheForm(WarServer server) {
        String origin = "http://localhost:" + server.port();
        Reply form = server.plain("admin-login");
        assertThat(form.status()).as(form.body()).isEqualTo(200);
        assertThat(form.body()).contains("name=\"username\"", "name=\"password\"", "action=\"/admin-login\"");
        Map<String, String> refusals = Map.of(
                "username=admin&password=not-the-password", origin,
                "username=viewer&password=viewer-password-1", origin,
                "username=nobody&password=operator-password-1", origin,
                "username=admin&password=", origin,
                "username=admin&password=operator-password-1", "http://elsewhere.example");
        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            try (HttpClient browser = browser()) {
                Reply refused = signIn(server, browser, refusal.getKey(), refusal.getValue());
                assertThat(refused.status()).as(refusal + ": " + refused.body()).isEqualTo(403);
                assertThat(refused.body())
                        .as(refusal.toString())
                        .contains("Sign-in refused", "name=\"password\"")
                        .doesNotContain("operator-password-1", "VAADIN/build");
                assertThat(server.send(browser, "GET", "admin/", null).status())
                        .as("the console after " + refusal)
                        .isEqualTo(403);
            }
        }
        try (HttpClient browser = browser()) {
            Reply signedIn = signIn(server, browser, "username=admin&password=operator-password-1", origin);
            assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(303);
            assertThat(signedIn.headers().firstValue("Location"))
                    .hasValueSatisfying(location -> assertThat(location).endsWith("/admin/"));
            // the session cookie is HttpOnly; SameSite=Strict on Open Liberty (its server.xml), whereas Payara Micro
            // 7.2025.1 leaves out the attribute that the WAR's SessionCookieConfig asks for: there the Origin check is
            // the only guard against a cross-site sign-in
            String sameSite = runtime == WarRuntime.OPEN_LIBERTY ? "samesite=strict" : "httponly";
            assertThat(signedIn.headers().allValues("Set-Cookie"))
                    .as("the session cookie")
                    .anySatisfy(cookie -> assertThat(cookie.toLowerCase(java.util.Locale.ROOT))
                            .contains("httponly", sameSite));
            Reply page = server.send(browser, "GET", "admin/", null);
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            assertThat(page.body()).contains("VAADIN/build");
            Reply init = server.send(browser, "GET", "admin/?v-r=init&location=", null);
            assertThat(init.status()).as(init.body()).isEqualTo(200);
            assertThat(init.body()).contains("\"appConfig\"");
        }
    }

    /** A client that keeps cookies and does not follow redirects, as the tests look at each step. */
    private static HttpClient browser() {
        return HttpClient.newBuilder()
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    private static Reply signIn(WarServer server, HttpClient browser, String form, String origin) {
        return server.send(
                browser,
                "POST",
                "admin-login",
                form,
                "Content-Type",
                "application/x-www-form-urlencoded",
                "Origin",
                origin);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
