package dev.nizhal.domain.cursor;

import static dev.nizhal.domain.cursor.RandomCases.between;
import static dev.nizhal.domain.cursor.RandomCases.bytes;
import static dev.nizhal.domain.cursor.RandomCases.forEachCase;
import static dev.nizhal.domain.cursor.RandomCases.oneIn;
import static dev.nizhal.domain.cursor.TestCursors.key;
import static dev.nizhal.domain.cursor.TestCursors.nonce;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Properties of {@link CursorCodec} on random tokens and cursors; see {@link RandomCases} for seeds and reruns. */
class CursorCodecPropertiesTest {
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final String BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    @ParameterizedTest(name = "seed {0}")
    @MethodSource(RandomCases.SEEDS)
    void anyStringIsAResetAndNeverAnException(long seed) {
        forEachCase(seed, random -> {
            String token = switch (random.nextInt(5)) {
                case 0 -> null;
                case 1, 2 -> anyString(random, 2_000);
                default -> base64urlAlphabetString(random, 2_000);
            };

            assertThat(CursorCodec.verify(token, TestCursors.expectation(), key()))
                    .as("seed %d: token %s", seed, token)
                    .isInstanceOf(CursorCheck.Reset.class);
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource(RandomCases.SEEDS)
    void anyBytesInBase64urlAreMalformedOrBadlySignedAndNeverAnException(long seed) {
        forEachCase(seed, random -> {
            String token = BASE64URL.encodeToString(bytes(random, 0, 3_000));

            assertThat(CursorCodec.verify(token, TestCursors.expectation(), key()))
                    .as("seed %d: token %s", seed, token)
                    .isIn(
                            new CursorCheck.Reset(ResetReason.MALFORMED),
                            new CursorCheck.Reset(ResetReason.BAD_SIGNATURE));
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource(RandomCases.SEEDS)
    void randomCursorsRoundTrip(long seed) {
        forEachCase(seed, random -> {
            Cursor cursor = cursor(random);
            String token = CursorCodec.encode(cursor, key(), nonce());

            assertThat(CursorCodec.verify(token, TestCursors.expectationFor(cursor), key()))
                    .as("seed %d: token %s", seed, token)
                    .isEqualTo(new CursorCheck.Valid(cursor));
            assertThat(token).as("seed %d", seed).matches("[A-Za-z0-9_-]+");
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource(RandomCases.SEEDS)
    void changingAnyByteOfARandomCursorsTokenGivesBadSignature(long seed) {
        forEachCase(seed, random -> {
            Cursor cursor = cursor(random);
            byte[] sealed = Base64.getUrlDecoder().decode(CursorCodec.encode(cursor, key(), nonce()));
            int where = between(random, 0, sealed.length - 1);
            int xor = between(random, 1, 255);
            sealed[where] ^= (byte) xor;

            assertThat(CursorCodec.verify(BASE64URL.encodeToString(sealed), TestCursors.expectationFor(cursor), key()))
                    .as(
                            "seed %d: byte %d of %d changed by xor %d in the token of %s",
                            seed, where, sealed.length, xor, cursor)
                    .isEqualTo(new CursorCheck.Reset(ResetReason.BAD_SIGNATURE));
        });
    }

    /**
     * The decoder behind the signature, on arbitrary payloads (as if the key had leaked): it never throws, and when
     * it accepts a payload, that payload is exactly what the encoder writes for the cursor it read, so no two payloads
     * stand for one cursor.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource(RandomCases.SEEDS)
    void signedArbitraryPayloadsNeverThrowAndDecodeOnlyCanonically(long seed) {
        forEachCase(seed, random -> {
            Cursor base = random.nextBoolean() ? TestCursors.typical() : cursor(random);
            byte[] payload = random.nextBoolean() ? mutatedPayload(random, base) : randomPayload(random);

            CursorCheck check = CursorCodec.verify(
                    CursorCodec.seal(payload, key(), nonce()), TestCursors.expectationFor(base), key());

            if (check instanceof CursorCheck.Valid(Cursor cursor)) {
                assertThat(CursorCodec.payload(cursor))
                        .as("seed %d: payload %s", seed, HexFormat.of().formatHex(payload))
                        .isEqualTo(payload);
            }
        });
    }

    /** The payload of {@code cursor} with a few bytes changed, and half the time truncated or extended. */
    private static byte[] mutatedPayload(SplittableRandom random, Cursor cursor) {
        byte[] payload = CursorCodec.payload(cursor);
        int changes = between(random, 1, 4);
        byte value = (byte) between(random, 0, 255);
        for (int i = 0; i < changes; i++) {
            payload[random.nextInt(payload.length)] = value;
        }
        return random.nextBoolean() ? payload : Arrays.copyOf(payload, payload.length + between(random, -3, 3));
    }

    /** Random bytes after the known format byte, so that decoding gets past it. */
    private static byte[] randomPayload(SplittableRandom random) {
        byte[] payload = bytes(random, 0, 300);
        if (payload.length > 0) {
            payload[0] = (byte) CursorCodec.FORMAT;
        }
        return payload;
    }

    /** Any chars: ASCII, the whole BMP (unpaired surrogates included), pairs for other planes, lone surrogates. */
    private static String anyString(SplittableRandom random, int maxLength) {
        int length = between(random, 0, maxLength);
        StringBuilder text = new StringBuilder(length + 1);
        while (text.length() < length) {
            switch (random.nextInt(4)) {
                case 0 -> text.append((char) between(random, 0x20, 0x7E));
                case 1 -> text.append((char) random.nextInt(Character.MAX_VALUE + 1));
                case 2 -> text.appendCodePoint(between(random, Character.MIN_SUPPLEMENTARY_CODE_POINT, 0x10FFFF));
                default -> text.append((char) between(random, Character.MIN_SURROGATE, Character.MAX_SURROGATE));
            }
        }
        return text.toString();
    }

    private static String base64urlAlphabetString(SplittableRandom random, int maxLength) {
        char[] chars = new char[between(random, 0, maxLength)];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = BASE64URL_ALPHABET.charAt(random.nextInt(BASE64URL_ALPHABET.length()));
        }
        return new String(chars);
    }

    /** Well-formed Unicode: mostly ASCII, often other planes, never an unpaired surrogate. */
    private static String unicode(SplittableRandom random, int minLength, int maxLength) {
        int length = between(random, minLength, maxLength);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(9);
            text.appendCodePoint(
                    kind < 5
                            ? between(random, 0x20, 0x7E)
                            : kind < 7 ? between(random, 0, 0xD7FF) : between(random, 0xE000, 0x10FFFF));
        }
        return text.toString();
    }

    private static Cursor cursor(SplittableRandom random) {
        boolean drained = random.nextBoolean();
        Cursor.Position position = drained || oneIn(random, 3)
                ? null
                : new Cursor.Position(
                        between(random, 0, Long.MAX_VALUE),
                        between(random, 0, Long.MAX_VALUE),
                        between(random, 0, Integer.MAX_VALUE));
        Map<String, Cursor.Loading> loading = new LinkedHashMap<>(); // by bucket key, which must be unique
        int loads = between(random, 0, 6);
        for (int i = 0; i < loads; i++) {
            Cursor.Loading load = new Cursor.Loading(
                    unicode(random, 1, 60),
                    between(random, 0, Integer.MAX_VALUE),
                    oneIn(random, 3) ? null : unicode(random, 0, 60),
                    random.nextBoolean());
            loading.putIfAbsent(load.bucketKey(), load);
        }
        return new Cursor(
                between(random, 1, Integer.MAX_VALUE),
                unicode(random, 1, 40),
                HexFormat.of().formatHex(bytes(random, 1, 40)),
                unicode(random, 1, 60),
                unicode(random, 1, 40),
                unicode(random, 1, 30),
                RandomCases.snapshot(random, Long.MAX_VALUE / 2, 1_000_000, 40),
                RandomCases.snapshot(random, Long.MAX_VALUE / 2, 1_000_000, 40),
                drained,
                position,
                new ArrayList<>(loading.values()),
                between(random, 0, Long.MAX_VALUE));
    }
}
