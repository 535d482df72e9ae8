package dev.nizhal.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.adapters.jaxrs.RequestRate;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NizhalSettingsTest {
    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private static final String SECRET =
            Base64.getEncoder().encodeToString("s".repeat(40).getBytes());

    private static NizhalSettings read(Map<String, String> values, boolean needsIssuer) {
        return NizhalSettings.read(key -> Optional.ofNullable(values.get(key)), needsIssuer);
    }

    private static Map<String, String> minimal() {
        Map<String, String> values = new HashMap<>();
        values.put(NizhalSettings.CURSOR_KEY, KEY);
        values.put(NizhalSettings.JWT_SECRET, SECRET);
        return values;
    }

    @Test
    void theDefaultsNeedOnlyTheCursorKeyAndAVerifier() {
        NizhalSettings settings = read(minimal(), true);
        assertThat(settings.dataSource()).isEqualTo("jdbc/nizhal");
        assertThat(settings.migrate()).isTrue();
        assertThat(settings.cursorKey()).hasSize(32);
        assertThat(settings.issuer()).isPresent();
        assertThat(settings.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(settings.limits()).isEqualTo(NizhalSettings.Limits.DEFAULTS);
        assertThat(settings.limits().requestRate()).isEqualTo(new RequestRate(100, 200));
        assertThat(settings.limits().concurrentPulls()).isEqualTo(64);
        assertThat(settings.limits().socketsPerActor()).isEqualTo(16);
    }

    @Test
    void theLimitsAreRead() {
        Map<String, String> values = minimal();
        values.put(NizhalSettings.LIMIT_REQUESTS_PER_SECOND, " 5 ");
        values.put(NizhalSettings.LIMIT_REQUESTS_BURST, "7");
        values.put(NizhalSettings.LIMIT_CONCURRENT_PULLS, "3");
        values.put(NizhalSettings.LIMIT_SOCKETS_PER_ACTOR, "2");

        assertThat(read(values, true).limits()).isEqualTo(new NizhalSettings.Limits(new RequestRate(5, 7), 3, 2));

        values.remove(NizhalSettings.LIMIT_REQUESTS_BURST);
        assertThat(read(values, true).limits().requestRate())
                .as("twice the rate")
                .isEqualTo(new RequestRate(5, 10));
    }

    @Test
    void zeroIsNoLimit() {
        Map<String, String> values = minimal();
        values.put(NizhalSettings.LIMIT_REQUESTS_PER_SECOND, "0");
        values.put(NizhalSettings.LIMIT_CONCURRENT_PULLS, "0");
        values.put(NizhalSettings.LIMIT_SOCKETS_PER_ACTOR, "0");

        assertThat(read(values, true).limits())
                .isEqualTo(new NizhalSettings.Limits(RequestRate.UNLIMITED, Integer.MAX_VALUE, Integer.MAX_VALUE));
    }

    @Test
    void aBadLimitNamesItsKey() {
        Map<String, String[]> bad = Map.of(
                NizhalSettings.LIMIT_REQUESTS_PER_SECOND,
                        new String[] {"-1", "is a whole number, at least 0 (0: no limit), was -1"},
                NizhalSettings.LIMIT_REQUESTS_BURST, new String[] {"0", "is a whole number, at least 1, was 0"},
                NizhalSettings.LIMIT_CONCURRENT_PULLS,
                        new String[] {"lots", "is a whole number, at least 0 (0: no limit), was lots"},
                NizhalSettings.LIMIT_SOCKETS_PER_ACTOR,
                        new String[] {"1.5", "is a whole number, at least 0 (0: no limit), was 1.5"});
        bad.forEach((key, valueAndProblem) -> {
            Map<String, String> values = minimal();
            values.put(key, valueAndProblem[0]);

            assertThatThrownBy(() -> read(values, true)).as(key).hasMessage(key + " " + valueAndProblem[1]);
        });
    }

    @Test
    void everyKeyIsRead() {
        Map<String, String> values = minimal();
        values.put(NizhalSettings.DATASOURCE, "jdbc/other");
        values.put(NizhalSettings.MIGRATE, "FALSE");
        values.put(NizhalSettings.RETENTION_DAYS, "3");
        values.put(NizhalSettings.JWT_ISSUER, "https://issuer.example");
        values.put(NizhalSettings.JWT_AUDIENCE, "app, admin");
        NizhalSettings settings = read(values, true);
        assertThat(settings.dataSource()).isEqualTo("jdbc/other");
        assertThat(settings.migrate()).isFalse();
        assertThat(settings.retention()).isEqualTo(Duration.ofDays(3));
    }

    @Test
    void pushesRunInLocalTransactionsUnlessJtaIsAsked() {
        assertThat(NizhalSettings.jta(key -> Optional.empty())).isFalse();
        assertThat(NizhalSettings.jta(key -> Optional.of(" "))).isFalse();
        assertThat(NizhalSettings.jta(key -> Optional.of("local"))).isFalse();
        assertThat(NizhalSettings.jta(key -> Optional.of(" JTA "))).isTrue();
        assertThatThrownBy(() -> NizhalSettings.jta(key -> Optional.of("xa")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nizhal.transactions is local or jta, was xa");
    }

    @Test
    void anApplicationResolverNeedsNoVerifier() {
        Map<String, String> values = minimal();
        values.remove(NizhalSettings.JWT_SECRET);
        assertThat(read(values, false).issuer()).isEmpty();
    }

    @Test
    void eachProblemNamesItsKeyAndNoSecret() {
        Map<String, String> noKey = minimal();
        noKey.put(NizhalSettings.CURSOR_KEY, " ");
        assertThatThrownBy(() -> read(noKey, true)).hasMessageStartingWith("nizhal.cursor.key is required");

        Map<String, String> shortKey = minimal();
        shortKey.put(NizhalSettings.CURSOR_KEY, "c2hvcnQ=");
        assertThatThrownBy(() -> read(shortKey, true))
                .hasMessageStartingWith("nizhal.cursor.key needs base64 of at least 32 bytes")
                .hasMessageNotContaining("c2hvcnQ=");

        Map<String, String> noSecret = minimal();
        noSecret.remove(NizhalSettings.JWT_SECRET);
        assertThatThrownBy(() -> read(noSecret, true)).hasMessageStartingWith("nizhal.jwt.secret (or");

        Map<String, String> two = minimal();
        two.put(NizhalSettings.JWT_JWKS_URL, "https://issuer.example/jwks");
        assertThatThrownBy(() -> read(two, true)).hasMessageContaining("give one of");

        Map<String, String> badSecret = minimal();
        badSecret.put(NizhalSettings.JWT_SECRET, "not base64!");
        assertThatThrownBy(() -> read(badSecret, true))
                .hasMessage("nizhal.jwt.secret is not valid base64 (the value is not shown)");

        Map<String, String> badDays = minimal();
        badDays.put(NizhalSettings.RETENTION_DAYS, "0");
        assertThatThrownBy(() -> read(badDays, true)).hasMessageStartingWith("nizhal.retention.days is at least 1");

        Map<String, String> badMigrate = minimal();
        badMigrate.put(NizhalSettings.MIGRATE, "yes");
        assertThatThrownBy(() -> read(badMigrate, true)).hasMessageStartingWith("nizhal.migrate is true or false");

        Map<String, String> jwksWithoutAudience = minimal();
        jwksWithoutAudience.remove(NizhalSettings.JWT_SECRET);
        jwksWithoutAudience.put(NizhalSettings.JWT_JWKS_URL, "https://issuer.example/jwks");
        assertThatThrownBy(() -> read(jwksWithoutAudience, true)).hasMessageStartingWith("nizhal.jwt.audience");
    }

    @Test
    void aMalformedJwksUrlIsNotEchoed() {
        Map<String, String> values = minimal();
        values.remove(NizhalSettings.JWT_SECRET);
        values.put(NizhalSettings.JWT_JWKS_URL, "https://keys:s3cret-token@issuer example/jwks");
        values.put(NizhalSettings.JWT_AUDIENCE, "app");

        assertThatThrownBy(() -> read(values, true))
                .hasMessageStartingWith("nizhal.jwt.jwks.url is not a valid URL")
                .hasMessageNotContaining("s3cret-token")
                .hasMessageNotContaining("issuer example");
    }

    @Test
    void aTokenSettingBesideTheApplicationsResolverIsRefused() {
        for (String key : List.of(
                NizhalSettings.JWT_SECRET,
                NizhalSettings.JWT_JWKS_URL,
                NizhalSettings.JWT_JWKS_FILE,
                NizhalSettings.JWT_ALGORITHMS,
                NizhalSettings.JWT_ISSUER,
                NizhalSettings.JWT_AUDIENCE)) {
            Map<String, String> values = minimal();
            values.remove(NizhalSettings.JWT_SECRET);
            values.put(key, key.equals(NizhalSettings.JWT_SECRET) ? SECRET : "x");

            assertThatThrownBy(() -> read(values, false))
                    .as(key)
                    .hasMessageStartingWith(key + " is set, but the application's ActorResolver bean verifies tokens")
                    .hasMessageNotContaining(SECRET);
        }
    }

    @Test
    void aValueTheConfigurationCannotGiveNamesItsKeyAndNotTheConfigurationsWords() {
        assertThatThrownBy(() -> NizhalSettings.read(
                        key -> {
                            if (key.equals(NizhalSettings.JWT_SECRET)) {
                                throw new NoSuchElementException("cannot expand ${vault-token-abc}");
                            }
                            return Optional.ofNullable(minimal().get(key));
                        },
                        true))
                .hasMessageStartingWith("nizhal.jwt.secret cannot be read from the configuration")
                .hasMessageNotContaining("vault-token-abc");
    }

    @Test
    void theKeyNeverShowsInToString() {
        assertThat(read(minimal(), true).toString()).doesNotContain(KEY).contains("32 bytes");
    }
}
