package dev.nizhal.adapters.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.in.DescribeContract;
import dev.nizhal.ports.in.PullChanges;
import dev.nizhal.ports.in.PushMutations;
import dev.nizhal.ports.out.ActorResolver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.glassfish.jersey.internal.MapPropertiesDelegate;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The endpoints on Jersey in memory (no socket, fake ports): registration through {@link JaxrsEndpoints#application()}
 * only, headers, authentication, protocol version, limits and the error mapping. The same behaviour over real HTTP
 * and PostgreSQL is the black-box suite of deploy/server.
 */
class JaxrsEndpointsTest {
    private static final String PULL_BODY = "{\"syncRule\":\"myNotes\",\"clientId\":\"c1\"}";

    /** What the fake use cases were last asked, and what they answer or throw next. */
    private final AtomicReference<Object> lastRequest = new AtomicReference<>();

    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final AtomicReference<HealthCheck.Health> health =
            new AtomicReference<>(new HealthCheck.Health(true, true));

    private ApplicationHandler handler;

    /** A response as the client would get it. */
    private record Answer(int status, Map<String, List<Object>> headers, String body) {
        String header(String name) {
            List<Object> values = headers.get(name);
            return values == null
                    ? null
                    : String.join(",", values.stream().map(String::valueOf).toList());
        }
    }

    @BeforeEach
    void startJersey() {
        ActorResolver actors = token -> switch (token) {
            case "alice-token" -> Actor.of("alice");
            case "broken-token" -> throw new IllegalStateException("SELECT secret FROM keys; java.lang.Oops");
            default -> throw new SyncException(SyncErrorCode.UNAUTHENTICATED, "token expired at 12:00");
        };
        PullChanges pull = (actor, request) -> {
            lastRequest.set(request);
            throwIfSet();
            return new PullChanges.PullResponse(
                    "cur", false, false, List.of(), List.of(), List.of(), List.of(), List.of(), 0L);
        };
        PushMutations push = (actor, request) -> {
            lastRequest.set(request);
            throwIfSet();
            return new PushMutations.PushResponse(List.of(new PushMutations.Applied(1, "x", List.of(), false)));
        };
        DescribeContract contract = () -> new DescribeContract.Contract(1, Map.of(), Map.of());
        JaxrsEndpoints endpoints = JaxrsEndpoints.builder()
                .pull(pull)
                .push(push)
                .contract(contract)
                .actors(actors)
                .health(health::get)
                .limits(new WireLimits(1000, 1000, 5000))
                .build();
        handler = new ApplicationHandler(endpoints.application());
    }

    private void throwIfSet() {
        RuntimeException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    private Answer call(String method, String path, String body, String... headers) throws Exception {
        ContainerRequest request = new ContainerRequest(
                URI.create("http://localhost/"),
                URI.create("http://localhost/" + path),
                method,
                null,
                new MapPropertiesDelegate(),
                null);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        if (body != null) {
            request.setEntityStream(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContainerResponse response = handler.apply(request, out).get();
        return new Answer(response.getStatus(), response.getHeaders(), out.toString(StandardCharsets.UTF_8));
    }

    private Answer pullAsAlice(String body, String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer alice-token";
        System.arraycopy(headers, 0, all, 2, headers.length);
        return call("POST", "sync/pull", body, all);
    }

    /**
     * Pulls in flight on this instance are bounded: one more is answered 429 {@code RATE_LIMITED} with {@code
     * Retry-After} at once (it never queues for a database connection), and a slot frees when a pull ends, whether it
     * answered or failed.
     */
    @Test
    void aPullBeyondTheConcurrentLimitIs429WithRetryAfter() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        PullChanges held = (actor, request) -> {
            if (calls.incrementAndGet() == 1) {
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (calls.get() == 2) {
                throw new IllegalStateException("a failed pull frees its slot too");
            }
            return new PullChanges.PullResponse(
                    "cur", false, false, List.of(), List.of(), List.of(), List.of(), List.of(), 0L);
        };
        handler = new ApplicationHandler(JaxrsEndpoints.builder()
                .pull(held)
                .push((actor, request) -> new PushMutations.PushResponse(List.of()))
                .contract(() -> new DescribeContract.Contract(1, Map.of(), Map.of()))
                .actors(token -> Actor.of("alice"))
                .health(health::get)
                .maxConcurrentPulls(1)
                .build()
                .application());
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            Future<Answer> first = background.submit(() -> pullAsAlice(PULL_BODY));
            assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();

            Answer refused = pullAsAlice(PULL_BODY);

            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            assertThat(refused.body()).contains("\"code\":\"RATE_LIMITED\"", "\"retryable\":true");
            release.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(pullAsAlice(PULL_BODY).status()).as("the failed one").isEqualTo(500);
            assertThat(pullAsAlice(PULL_BODY).status()).isEqualTo(200);
        } finally {
            release.countDown();
            background.shutdownNow();
        }
    }

    @Test
    void aPullAnswersJsonWithTheProtocolHeader() throws Exception {
        Answer answer = pullAsAlice(PULL_BODY, "Nizhal-Protocol", "1");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("Nizhal-Protocol")).isEqualTo("1");
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.body()).startsWith("{\"cursor\":\"cur\",\"hasMore\":false");
        assertThat(lastRequest.get())
                .isEqualTo(new PullChanges.PullRequest("myNotes", "c1", null, null, List.of(), 1000));
    }

    @Test
    void theBodyIsReadAsJsonWhateverTheContentTypeAndAccept() throws Exception {
        Answer answer = pullAsAlice(PULL_BODY, "Content-Type", "text/plain", "Accept", "text/html");

        assertThat(answer.status()).isEqualTo(200);
    }

    @Test
    void anotherProtocolVersionIs426BeforeAuthentication() throws Exception {
        Answer answer = call("POST", "sync/pull", PULL_BODY, "Nizhal-Protocol", "2");

        assertThat(answer.status()).isEqualTo(426);
        assertThat(answer.header("Nizhal-Protocol")).isEqualTo("1");
        assertThat(answer.body())
                .contains("\"code\":\"UNSUPPORTED_PROTOCOL\"", "\"details\":{\"supported\":[1]}", "correlationId");
        assertThat(lastRequest.get()).isNull();
    }

    @Test
    void missingOrRefusedCredentialsAre401WithOnlyTheCode() throws Exception {
        for (String[] headers : List.of(
                new String[0],
                new String[] {"Authorization", "Basic YWxpY2U6cHc="},
                new String[] {"Authorization", "Bearer"},
                new String[] {"Authorization", "Bearer expired-token"})) {
            Answer answer = call("POST", "sync/pull", PULL_BODY, headers);

            assertThat(answer.status()).as(String.join(" ", headers)).isEqualTo(401);
            assertThat(answer.header("WWW-Authenticate")).isEqualTo("Bearer");
            assertThat(answer.header("Nizhal-Protocol")).isEqualTo("1");
            assertThat(answer.body())
                    .contains("\"code\":\"UNAUTHENTICATED\"", "\"message\":\"missing or invalid credentials\"")
                    .doesNotContain("details", "expired", "12:00");
        }
        assertThat(lastRequest.get()).isNull();
    }

    @Test
    void theBearerSchemeIsCaseInsensitive() throws Exception {
        assertThat(call("POST", "sync/pull", PULL_BODY, "Authorization", "bearer alice-token")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        String big = "{\"syncRule\":\"myNotes\",\"clientId\":\"c1\",\"pad\":\"" + "x".repeat(1000) + "\"}";

        Answer answer = pullAsAlice(big);

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.body()).contains("\"code\":\"PAYLOAD_TOO_LARGE\"", "\"limit\":1000");
        assertThat(lastRequest.get()).isNull();
    }

    @Test
    void malformedBodiesAre400WithPaths() throws Exception {
        Answer answer = call(
                "POST",
                "sync/push",
                "{\"clientId\":\"c\",\"mutations\":[{\"id\":0,\"name\":\"n\"}]}",
                "Authorization",
                "Bearer alice-token");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body())
                .contains("\"code\":\"MALFORMED_REQUEST\"", "\"path\":\"mutations[0].id\"", "\"retryable\":false");
        assertThat(lastRequest.get()).isNull();
    }

    @Test
    void useCaseErrorsGetTheirStatusAndDetails() throws Exception {
        failure.set(new SyncException(SyncErrorCode.MUTATION_ORDER, "ahead", Map.of("expected", 3L)));

        Answer answer = call(
                "POST",
                "sync/push",
                "{\"clientId\":\"c\",\"mutations\":[{\"id\":5,\"name\":\"n\"}]}",
                "Authorization",
                "Bearer alice-token");

        assertThat(answer.status()).isEqualTo(409);
        assertThat(answer.body()).contains("\"code\":\"MUTATION_ORDER\"", "\"details\":{\"expected\":3}");
    }

    @Test
    void transientAndRateLimitedCarryRetryAfter() throws Exception {
        failure.set(new SyncException(SyncErrorCode.TRANSIENT, "busy"));
        Answer transientAnswer = pullAsAlice(PULL_BODY);
        failure.set(new SyncException(SyncErrorCode.RATE_LIMITED, "slow down", Map.of("retryAfterSeconds", 7)));
        Answer limited = pullAsAlice(PULL_BODY);

        assertThat(transientAnswer.status()).isEqualTo(503);
        assertThat(transientAnswer.header("Retry-After")).isEqualTo("1");
        assertThat(transientAnswer.body()).contains("\"retryable\":true");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isEqualTo("7");
    }

    @Test
    void unexpectedFailuresAre500WithACorrelationIdAndNothingElse() throws Exception {
        failure.set(new IllegalStateException("ERROR: duplicate key value violates constraint \"notes_pkey\""));
        Answer fromUseCase = pullAsAlice(PULL_BODY);
        failure.set(null);
        Answer fromResolver = call("POST", "sync/pull", PULL_BODY, "Authorization", "Bearer broken-token");
        failure.set(new SyncException(SyncErrorCode.INVALID_ARGS, "an outcome code that escaped"));
        Answer escapedOutcome = pullAsAlice(PULL_BODY);

        for (Answer answer : List.of(fromUseCase, fromResolver, escapedOutcome)) {
            assertThat(answer.status()).isEqualTo(500);
            assertThat(answer.header("Nizhal-Protocol")).isEqualTo("1");
            assertThat(answer.body())
                    .matches("\\{\"error\":\\{\"code\":\"INTERNAL\",\"message\":\"[^\"]+\",\"retryable\":false,"
                            + "\"correlationId\":\"[0-9a-f-]{36}\"}}")
                    .doesNotContain("Exception", "java.", "SELECT", "constraint", "notes_pkey", "escaped");
        }
    }

    @Test
    void healthIsUnauthenticatedAnd503WhenNotReady() throws Exception {
        Answer up = call("GET", "nizhal/health", null);
        health.set(new HealthCheck.Health(true, false));
        Answer pending = call("GET", "nizhal/health", null);

        assertThat(up.status()).isEqualTo(200);
        assertThat(up.body()).isEqualTo("{\"status\":\"UP\",\"database\":\"UP\",\"migrations\":\"CURRENT\"}");
        assertThat(up.header("Nizhal-Protocol")).isEqualTo("1");
        assertThat(pending.status()).isEqualTo(503);
        assertThat(pending.body()).contains("\"migrations\":\"PENDING\"");
    }

    @Test
    void theContractNeedsCredentials() throws Exception {
        assertThat(call("GET", "nizhal/contract", null).status()).isEqualTo(401);
        Answer answer = call("GET", "nizhal/contract", null, "Authorization", "Bearer alice-token");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"protocol\":1,\"syncRules\":{},\"mutators\":{}}");
    }
}
