package dev.nizhal.adapters.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.InstanceOfAssertFactories.LIST;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.out.ArgsCodec.Violation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Args records of the tests, and the assertions every refusal must pass. */
final class ArgsFixtures {
    private ArgsFixtures() {}

    /** The seed's mutator args (SYNC-RULES.md); {@code @Nullable} left out: jakarta.annotation is not a dependency. */
    record AddNote(
            @Size(max = 64) String id,
            @NotNull @Size(max = 10_000) String body) {}

    enum Color {
        RED,
        GREEN
    }

    record Line(
            @NotBlank @Size(max = 5) String sku,
            @Min(1) @Max(99) int qty,
            double price) {}

    /** Nested records, lists, maps and every scalar kind the decoder distinguishes. */
    record PlaceOrder(
            @NotNull @Size(max = 3) List<@NotNull @Valid Line> lines,
            Map<String, @Size(max = 3) String> tags,
            Color color,
            long version,
            UUID listId,
            Boolean express,
            float ratio,
            @Pattern(regexp = "[a-z]+") String code) {}

    /** No constraints and no primitives: every component may be absent. */
    record Filter(String query, Integer limit) {}

    /** One unconstrained string, for the size limit. */
    record Blob(String data) {}

    /** A record whose own constructor refuses a value, with a message that must not reach the client. */
    record Positive(int n) {
        Positive {
            if (n < 0) {
                throw new IllegalArgumentException("java.lang.IllegalStateException in dev.nizhal.Secret");
            }
        }
    }

    static final String VALID_ORDER = """
            {"lines":[{"sku":"a1","qty":2,"price":9.5},{"sku":"b","qty":1,"price":0.25}],
             "tags":{"k":"v"},"color":"RED","version":7,"listId":"0190f1a2-0000-7000-8000-000000000001",
             "express":true,"ratio":0.5,"code":"abc"}""";

    /**
     * Text that would show Java internals leaking to a client: class and package names, exception names, Jackson's
     * backquoted type names.
     */
    static final List<String> LEAKS = List.of(
            "java.",
            "javax.",
            "jakarta.",
            "com.fasterxml",
            "dev.nizhal",
            "org.hibernate",
            "Exception",
            "Json",
            "Jackson",
            "ArgsFixtures",
            "`",
            "\tat ");

    /** Decodes {@code json}, expects INVALID_ARGS and no leak, and returns the reported errors. */
    static List<Violation> refused(JacksonArgsCodec codec, Class<?> type, String json) {
        SyncException failure = catchThrowableOfType(SyncException.class, () -> codec.decode(type, json));
        assertThat(failure).as("decoding %s", json).isNotNull();
        assertRefusal(codec, failure);
        return codec.violations(failure);
    }

    /** What every refusal must be: INVALID_ARGS, at least one {path, message}, no Java internals in any text. */
    static void assertRefusal(JacksonArgsCodec codec, SyncException failure) {
        assertThat(failure.code()).isEqualTo(SyncErrorCode.INVALID_ARGS);
        assertThat(failure.getMessage()).startsWith("invalid args: ");
        assertThat(failure.details()).containsOnlyKeys("errors");
        assertThat(failure.details().get("errors"))
                .asInstanceOf(LIST)
                .isNotEmpty()
                .allSatisfy(error -> assertThat(error).asInstanceOf(MAP).containsOnlyKeys("path", "message"));
        assertThat(codec.violations(failure)).isNotEmpty();
        String everything = failure.getMessage() + " " + failure.details();
        for (String leak : LEAKS) {
            assertThat(everything).as("client text").doesNotContain(leak);
        }
    }

    /** The single error of a binding refusal (binding stops at the first problem). */
    static Violation refusedOnce(JacksonArgsCodec codec, Class<?> type, String json) {
        List<Violation> errors = refused(codec, type, json);
        assertThat(errors).as("errors for %s", json).hasSize(1);
        return errors.getFirst();
    }
}
