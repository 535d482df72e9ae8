package dev.nizhal.adapters.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.domain.error.SyncErrorCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The host's own answers as the protocol's errors: the status kept, a documented code, fixed words. */
class JaxrsErrorMapperTest {

    @ParameterizedTest
    @CsvSource({
        "400, MALFORMED_REQUEST",
        "401, UNAUTHENTICATED",
        "403, FORBIDDEN",
        "404, MALFORMED_REQUEST",
        "405, MALFORMED_REQUEST",
        "431, MALFORMED_REQUEST",
        "505, MALFORMED_REQUEST",
        "406, MALFORMED_REQUEST",
        "413, PAYLOAD_TOO_LARGE",
        "415, MALFORMED_REQUEST",
        "426, UNSUPPORTED_PROTOCOL",
        "429, RATE_LIMITED",
        "500, INTERNAL",
        "501, INTERNAL",
        "503, TRANSIENT"
    })
    void aHostStatusKeepsItsStatusAndGetsTheCodeOfTheTable(int status, SyncErrorCode code) {
        JaxrsErrorMapper.HostError error = JaxrsErrorMapper.hostError(status);

        assertThat(error.status()).isEqualTo(status);
        assertThat(error.code()).isEqualTo(code);
        assertThat(error.code().kind()).isEqualTo(SyncErrorCode.Kind.REQUEST);
        String body = new String(error.body(), StandardCharsets.UTF_8);
        assertThat(body)
                .startsWith("{\"error\":{\"code\":\"" + code + "\"")
                .contains("\"retryable\":" + code.retryable())
                .contains("\"correlationId\":\"" + error.correlationId() + "\"");
        assertThat(error.headers())
                .containsEntry("Nizhal-Protocol", "1")
                .containsEntry("Content-Type", "application/json")
                .containsEntry("Cache-Control", "no-store");
    }

    @Test
    void unauthenticatedAsksForABearerTokenAndTransientSaysWhenToRetry() {
        assertThat(JaxrsErrorMapper.hostError(401).headers()).containsEntry("WWW-Authenticate", "Bearer");
        assertThat(JaxrsErrorMapper.hostError(503).headers()).containsEntry("Retry-After", "1");
        assertThat(JaxrsErrorMapper.hostError(429).headers()).containsEntry("Retry-After", "1");
        assertThat(JaxrsErrorMapper.hostError(404).headers()).doesNotContainKeys("WWW-Authenticate", "Retry-After");
    }

    @Test
    void anUnknownPathAndAWrongMethodSayWhatIsWrong() {
        assertThat(new String(JaxrsErrorMapper.hostError(404).body(), StandardCharsets.UTF_8))
                .contains("no Nizhal endpoint at this path");
        assertThat(new String(JaxrsErrorMapper.hostError(405).body(), StandardCharsets.UTF_8))
                .contains("does not take this HTTP method");
    }
}
