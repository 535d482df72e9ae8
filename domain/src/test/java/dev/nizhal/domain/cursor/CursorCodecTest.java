package dev.nizhal.domain.cursor;

import static dev.nizhal.domain.cursor.TestCursors.key;
import static dev.nizhal.domain.cursor.TestCursors.nonce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CursorCodecTest {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static CursorCheck verify(String token) {
        return CursorCodec.verify(token, TestCursors.expectation(), key());
    }

    private static CursorCheck reset(ResetReason reason) {
        return new CursorCheck.Reset(reason);
    }

    // --- round trips and size

    @Test
    void richCursorWithUnicodeKeysManyInFlightIdsAndLoadsRoundTrips() {
        Cursor rich = TestCursors.rich();

        String token = CursorCodec.encode(rich, key(), nonce());

        assertThat(CursorCodec.verify(token, TestCursors.expectationFor(rich), key()))
                .isEqualTo(new CursorCheck.Valid(rich));
    }

    @Test
    void typicalCursorRoundTrips() {
        Cursor typical = TestCursors.typical();

        assertThat(verify(CursorCodec.encode(typical, key(), nonce()))).isEqualTo(new CursorCheck.Valid(typical));
    }

    @Test
    void drainedCursorWithoutPositionOrLoadsRoundTrips() {
        Cursor drained = TestCursors.drained();

        assertThat(verify(CursorCodec.encode(drained, key(), nonce()))).isEqualTo(new CursorCheck.Valid(drained));
    }

    @Test
    void aLoadWithNoPageReadYetStaysDistinctFromALoadWhoseLastKeyIsEmpty() {
        Cursor cursor = new Cursor(
                1,
                TestCursors.DATABASE,
                TestCursors.PLAN,
                TestCursors.ACTOR,
                TestCursors.CLIENT,
                TestCursors.RULE,
                PgSnapshot.parse("5:5:"),
                PgSnapshot.parse("5:9:6"),
                false,
                null,
                List.of(new Cursor.Loading("a[]", 0, null, false), new Cursor.Loading("b[]", 0, "", true)),
                1);

        CursorCheck check = verify(CursorCodec.encode(cursor, key(), nonce()));

        assertThat(check).isEqualTo(new CursorCheck.Valid(cursor));
        List<Cursor.Loading> loading = ((CursorCheck.Valid) check).cursor().loading();
        assertThat(loading.get(0).lastKey()).isNull();
        assertThat(loading.get(1).lastKey()).isEmpty();
    }

    @Test
    void typicalCursorIsWellUnderOneKilobyte() {
        Cursor typical = TestCursors.typical();
        assertThat(typical.sPrev().xip()).hasSize(20);
        assertThat(typical.sHi().xip()).hasSize(20);
        assertThat(typical.loading()).hasSize(3);

        assertThat(CursorCodec.encode(typical, key(), nonce()).length()).isLessThan(1024);
    }

    @Test
    void tokenIsUnpaddedBase64url() {
        assertThat(CursorCodec.encode(TestCursors.rich(), key(), nonce())).matches("[A-Za-z0-9_-]+");
    }

    @Test
    void everyResponseCounterGivesADifferentToken() {
        Cursor typical = TestCursors.typical();

        assertThat(CursorCodec.encode(TestCursors.withResponseCounter(typical, 18_443), key(), nonce()))
                .isNotEqualTo(CursorCodec.encode(typical, key(), nonce()));
    }

    @Test
    void oneNonceGivesOneTokenAndAnotherNonceAnotherTokenOfTheSameCursor() {
        Cursor typical = TestCursors.typical();
        byte[] nonce = nonce();

        String token = CursorCodec.encode(typical, key(), nonce);
        String again = CursorCodec.encode(typical, key(), nonce.clone());
        String fresh = CursorCodec.encode(typical, key(), nonce());

        assertThat(again).isEqualTo(token);
        assertThat(fresh).isNotEqualTo(token);
        assertThat(verify(fresh)).isEqualTo(new CursorCheck.Valid(typical));
    }

    @Test
    void refusesANonceThatIsNot12Bytes() {
        for (int length : new int[] {0, 8, 11, 13, 16, 24}) {
            assertThatIllegalArgumentException()
                    .as("%d bytes", length)
                    .isThrownBy(() -> CursorCodec.encode(TestCursors.typical(), key(), new byte[length]));
        }
    }

    // --- sealed, not only signed

    @Test
    void aTokenShowsNoActorClientDatabasePlanRuleOrBucketKeyInAnyEncoding() {
        for (Cursor cursor : List.of(TestCursors.typical(), TestCursors.rich(), TestCursors.drained())) {
            String token = CursorCodec.encode(cursor, key(), nonce());

            assertThat(Revealed.in(token, secretsOf(cursor)))
                    .as("revealed by %s", token)
                    .isEmpty();
        }
    }

    @Test
    void theSameSearchFindsTheActorClientAndDatabaseInATokenOfTheSignedOnlyFormat() {
        // proves that the search above can fail: the signed-only format showed them all, in plain UTF-8
        assertThat(Revealed.in(SIGNED_ONLY_DRAINED, secretsOf(TestCursors.drained())))
                .contains(TestCursors.ACTOR, TestCursors.CLIENT, TestCursors.DATABASE, TestCursors.RULE);
    }

    @Test
    void aTokenOfTheSignedOnlyFormatHasABadSignature() {
        assertThat(verify(SIGNED_ONLY_DRAINED)).isEqualTo(reset(ResetReason.BAD_SIGNATURE));
        for (Cursor cursor : List.of(TestCursors.typical(), TestCursors.rich())) {
            assertThat(CursorCodec.verify(signedOnly(cursor), TestCursors.expectationFor(cursor), key()))
                    .isEqualTo(reset(ResetReason.BAD_SIGNATURE));
        }
    }

    @Test
    void theConfiguredKeyIsNotTheSealingKey() throws Exception {
        // sealed with AES-256-GCM straight under the configured key, as if no key were derived: it must not open
        byte[] nonce = nonce();
        javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(
                javax.crypto.Cipher.ENCRYPT_MODE,
                new javax.crypto.spec.SecretKeySpec(key(), "AES"),
                new javax.crypto.spec.GCMParameterSpec(128, nonce));
        byte[] ciphertext = cipher.doFinal(CursorCodec.payload(TestCursors.typical()));
        byte[] sealed = Arrays.copyOf(nonce, nonce.length + ciphertext.length);
        System.arraycopy(ciphertext, 0, sealed, nonce.length, ciphertext.length);

        assertThat(verify(Base64.getUrlEncoder().withoutPadding().encodeToString(sealed)))
                .isEqualTo(reset(ResetReason.BAD_SIGNATURE));
    }

    @Test
    void tokenLengthsAreAboutThoseOfTheSignedOnlyFormat() {
        // signed-only: payload + 32 bytes of HMAC; sealed: 12 bytes of nonce + payload + 16 bytes of tag
        assertThat(CursorCodec.encode(TestCursors.drained(), key(), nonce())).hasSize(263);
        assertThat(SIGNED_ONLY_DRAINED).hasSize(268);
        assertThat(CursorCodec.encode(TestCursors.typical(), key(), nonce())).hasSize(666);
        assertThat(signedOnly(TestCursors.typical())).hasSize(671);
    }

    @Test
    void refusesACursorWhoseTokenWouldBeTooLongToVerify() {
        List<Cursor.Loading> loading = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            loading.add(new Cursor.Loading("bucket[" + i + "]" + "x".repeat(100), 0, null, true));
        }
        Cursor huge = new Cursor(
                1,
                TestCursors.DATABASE,
                TestCursors.PLAN,
                TestCursors.ACTOR,
                TestCursors.CLIENT,
                TestCursors.RULE,
                PgSnapshot.parse("5:5:"),
                PgSnapshot.parse("5:5:"),
                true,
                null,
                loading,
                0);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> CursorCodec.encode(huge, key(), nonce()))
                .withMessageContaining("more than " + CursorCodec.MAX_TOKEN_LENGTH);
    }

    // --- signature

    @Test
    void flippingAnyBitOfAnyByteOfARealTokenGivesBadSignature() {
        byte[] sealed = Base64.getUrlDecoder().decode(CursorCodec.encode(TestCursors.typical(), key(), nonce()));
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();

        for (int i = 0; i < sealed.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] altered = sealed.clone();
                altered[i] ^= (byte) (1 << bit);

                assertThat(verify(encoder.encodeToString(altered)))
                        .as("byte %d, bit %d", i, bit)
                        .isEqualTo(reset(ResetReason.BAD_SIGNATURE));
            }
        }
    }

    @Test
    void replacingAnyCharacterOfARealTokenIsNeverValid() {
        String token = tokenWithLeftoverBits();

        for (int i = 0; i < token.length(); i++) {
            for (char replacement : new char[] {'A', 'B', 'Q', 'g', 'w', '0', '-', '_', '+', '/', '=', ' ', 'é'}) {
                if (replacement == token.charAt(i)) {
                    continue;
                }
                String altered = token.substring(0, i) + replacement + token.substring(i + 1);

                assertThat(verify(altered))
                        .as("'%s' at %d", replacement, i)
                        .isIn(reset(ResetReason.BAD_SIGNATURE), reset(ResetReason.MALFORMED));
            }
        }
    }

    @Test
    void aTokenSealedWithAnotherKeyHasABadSignature() {
        String token = CursorCodec.encode(TestCursors.typical(), TestCursors.otherKey(), nonce());

        assertThat(verify(token)).isEqualTo(reset(ResetReason.BAD_SIGNATURE));
    }

    @Test
    void refusesKeysShorterThan32Bytes() {
        byte[] shortKey = new byte[31];

        assertThatIllegalArgumentException()
                .isThrownBy(() -> CursorCodec.encode(TestCursors.typical(), shortKey, nonce()));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> CursorCodec.verify("AAAA", TestCursors.expectation(), shortKey));
    }

    // --- malformed tokens

    @Test
    void nullIsMalformed() {
        assertThat(verify(null)).isEqualTo(reset(ResetReason.MALFORMED));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "A",
                "AAAA",
                "AAAAA", // a length no base64 string has
                "abc def",
                "abc+def/",
                "abc$",
                "ünïcödé",
                "😀😀😀😀",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // 28 bytes: a nonce and a tag with no payload at all
            })
    void stringsThatCannotHoldAPayloadAndSignatureAreMalformed(String token) {
        assertThat(verify(token)).isEqualTo(reset(ResetReason.MALFORMED));
    }

    @Test
    void aRealTokenWithPaddingOrWhitespaceIsMalformed() {
        String token = tokenWithLeftoverBits();

        assertThat(verify(token + "=")).isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verify(token + "==")).isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verify(token + "\n")).isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verify(" " + token)).isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verify(token.substring(0, token.length() - 1)))
                .isIn(reset(ResetReason.MALFORMED), reset(ResetReason.BAD_SIGNATURE));
    }

    @Test
    void aRealTokenWithNonZeroLeftoverBitsIsMalformedThoughTheJdkDecoderWouldAcceptIt() {
        String token = tokenWithLeftoverBits();
        char last = token.charAt(token.length() - 1);
        // The last character carries 2 or 4 bits that belong to no byte; flipping the lowest changes only those.
        String altered = token.substring(0, token.length() - 1) + ALPHABET.charAt(ALPHABET.indexOf(last) ^ 1);

        assertThat(Base64.getUrlDecoder().decode(altered))
                .isEqualTo(Base64.getUrlDecoder().decode(token));
        assertThat(verify(altered)).isEqualTo(reset(ResetReason.MALFORMED));
    }

    @Test
    void aHugeStringIsMalformedWithoutBeingDecoded() {
        assertThat(verify("A".repeat(10_000_000))).isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verify("A".repeat(CursorCodec.MAX_TOKEN_LENGTH + 1))).isEqualTo(reset(ResetReason.MALFORMED));
    }

    @Test
    void randomBytesOfARealisticLengthHaveABadSignature() {
        byte[] bytes = new byte[300];
        Arrays.fill(bytes, (byte) 0x5A);

        assertThat(verify(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes)))
                .isEqualTo(reset(ResetReason.BAD_SIGNATURE));
    }

    // --- sealed but malformed payloads: only a bug or a leaked key could produce them

    @Test
    void handWrittenPayloadIsValidSoThatTheVariantsBelowDifferByTheirDefectOnly() {
        CursorCheck check = CursorCodec.verify(sealed(handWritten(w -> {})), TestCursors.expectation(), key());

        assertThat(check).isInstanceOf(CursorCheck.Valid.class);
        Cursor cursor = ((CursorCheck.Valid) check).cursor();
        assertThat(cursor.sPrev()).isEqualTo(PgSnapshot.parse("100:110:100,105"));
        assertThat(cursor.sHi()).isEqualTo(PgSnapshot.parse("103:120:103,119"));
        assertThat(cursor.loading()).containsExactly(new Cursor.Loading("a[]", 2, "k", true));
        assertThat(cursor.position()).isEqualTo(new Cursor.Position(107, 9, 3));
        assertThat(cursor.responseCounter()).isEqualTo(7);
    }

    @Test
    void everyTruncationOfASignedPayloadIsMalformed() {
        byte[] payload = CursorCodec.payload(TestCursors.rich());

        for (int length = 0; length < payload.length; length++) {
            assertThat(verifyRich(sealed(Arrays.copyOf(payload, length))))
                    .as("payload cut to %d of %d bytes", length, payload.length)
                    .isEqualTo(reset(ResetReason.MALFORMED));
        }
    }

    @Test
    void aSignedPayloadWithTrailingBytesIsMalformed() {
        byte[] payload = CursorCodec.payload(TestCursors.rich());

        assertThat(verifyRich(sealed(Arrays.copyOf(payload, payload.length + 1))))
                .isEqualTo(reset(ResetReason.MALFORMED));
    }

    @Test
    void aSignedPayloadOfAnotherFormatIsAnUnsupportedVersion() {
        byte[] payload = CursorCodec.payload(TestCursors.typical());
        payload[0] = (byte) (CursorCodec.FORMAT + 1);

        assertThat(verify(sealed(payload))).isEqualTo(reset(ResetReason.UNSUPPORTED_VERSION));
    }

    @Test
    void aVarintNotInItsShortestFormIsMalformed() {
        assertThat(verifyDefect(w -> w.responseCounter = out -> out.u8(0x87).u8(0x00)))
                .isEqualTo(reset(ResetReason.MALFORMED));
    }

    @Test
    void aVarintOverflowing64BitsIsMalformed() {
        assertThat(verifyDefect(w -> w.responseCounter = out -> {
                    for (int i = 0; i < 9; i++) {
                        out.u8(0xFF);
                    }
                    out.u8(0x02);
                }))
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.responseCounter = out -> {
                    for (int i = 0; i < 11; i++) {
                        out.u8(0x80);
                    }
                }))
                .isEqualTo(reset(ResetReason.MALFORMED));
    }

    @Test
    void aResponseCounterAbove2To63IsMalformed() {
        assertThat(verifyDefect(w -> w.responseCounter = out -> out.varint(-1L)))
                .isEqualTo(reset(ResetReason.MALFORMED));
    }

    @Test
    void aLengthLargerThanThePayloadIsMalformedWithoutAllocatingIt() {
        assertThat(verifyDefect(
                        w -> w.actor = out -> out.varint(Integer.MAX_VALUE).u8('a')))
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.actor = out -> out.varint(Long.MAX_VALUE)))
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.sPrev = out -> out.zigzag(100).varint(10).varint(Integer.MAX_VALUE)))
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.loading = out -> out.varint(1L << 40))).isEqualTo(reset(ResetReason.MALFORMED));
    }

    @Test
    void aStringThatIsNotUtf8IsMalformed() {
        assertThat(verifyDefect(w -> w.actor = out -> out.bytes(new byte[] {'a', (byte) 0xC3, '('})))
                .as("broken sequence")
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.actor = out -> out.bytes(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})))
                .as("an encoded surrogate")
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.actor = out -> out.bytes(new byte[] {(byte) 0xC0, (byte) 0xAF})))
                .as("an overlong form")
                .isEqualTo(reset(ResetReason.MALFORMED));
    }

    @Test
    void impossibleValuesAreMalformed() {
        assertThat(verifyDefect(w -> w.sPrev = out -> out.zigzag(0).varint(10).varint(0)))
                .as("xmin 0")
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w ->
                        w.sPrev = out -> out.zigzag(100).varint(10).varint(1).varint(10)))
                .as("in flight at xmax")
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.sPrev =
                        out -> out.zigzag(Long.MAX_VALUE - 5).varint(10).varint(0)))
                .as("xmax beyond 2^63")
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(
                        w -> w.sHi = out -> out.zigzag(Long.MIN_VALUE).varint(0).varint(0)))
                .as("S_hi xmin below 1")
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.plan = out -> out.bytes(new byte[0])))
                .as("empty plan hash")
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.flags = 1 | 2))
                .as("drained with a position")
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.flags = 2 | 4)).as("unknown flag").isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.loading = out -> {
                    out.varint(2);
                    out.string("a[]").varint(0).u8(0);
                    out.string("a[]").varint(1).u8(0);
                }))
                .as("a bucket loading twice")
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w ->
                        w.loading = out -> out.varint(1).string("a[]").varint(0).u8(4)))
                .as("unknown loading flag")
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.loading =
                        out -> out.varint(1).string("a[]").varint(1L << 31).u8(0)))
                .as("table index beyond an int")
                .isEqualTo(reset(ResetReason.MALFORMED));
        assertThat(verifyDefect(w -> w.protocolVersion = out -> out.varint(0)))
                .as("protocol version 0")
                .isEqualTo(reset(ResetReason.MALFORMED));
    }

    // --- authentic tokens issued for something else

    @Test
    void aCursorOfAnotherProtocolVersionIsUnsupported() {
        String token = CursorCodec.encode(TestCursors.withProtocolVersion(TestCursors.typical(), 2), key(), nonce());

        assertThat(verify(token)).isEqualTo(reset(ResetReason.UNSUPPORTED_VERSION));
    }

    @Test
    void aCursorForAnotherDatabasePlanActorClientOrRuleIsResetWithThatReason() {
        String token = CursorCodec.encode(TestCursors.typical(), key(), nonce());
        String database = TestCursors.DATABASE;
        String plan = TestCursors.PLAN;
        String actor = TestCursors.ACTOR;
        String client = TestCursors.CLIENT;
        String rule = TestCursors.RULE;

        assertThat(CursorCodec.verify(token, CursorExpectation.of(1, "other-db", plan, actor, client, rule), key()))
                .isEqualTo(reset(ResetReason.OTHER_DATABASE));
        assertThat(CursorCodec.verify(token, CursorExpectation.of(1, database, "00ff", actor, client, rule), key()))
                .isEqualTo(reset(ResetReason.OTHER_PLAN));
        assertThat(CursorCodec.verify(token, CursorExpectation.of(1, database, plan, "mallory", client, rule), key()))
                .isEqualTo(reset(ResetReason.OTHER_ACTOR));
        assertThat(CursorCodec.verify(token, CursorExpectation.of(1, database, plan, actor, "c-other", rule), key()))
                .isEqualTo(reset(ResetReason.OTHER_CLIENT));
        assertThat(CursorCodec.verify(token, CursorExpectation.of(1, database, plan, actor, client, "myNotes"), key()))
                .isEqualTo(reset(ResetReason.OTHER_RULE));
        assertThat(CursorCodec.verify(token, CursorExpectation.of(2, database, plan, actor, client, rule), key()))
                .isEqualTo(reset(ResetReason.UNSUPPORTED_VERSION));
    }

    @Test
    void aCursorOlderThanTheRetentionMarkIsPastRetention() {
        Cursor typical = TestCursors.typical();
        String token = CursorCodec.encode(typical, key(), nonce());
        PgSnapshot sPrev = typical.sPrev();

        CursorExpectation newerMark =
                TestCursors.expectation().withRetentionMark(PgSnapshot.of(sPrev.xmax(), sPrev.xmax() + 1));
        CursorExpectation markSawAnInFlightOneFinish = TestCursors.expectation()
                .withRetentionMark(
                        new PgSnapshot(sPrev.xmin(), sPrev.xmax(), sPrev.xip().subList(1, 20)));

        assertThat(CursorCodec.verify(token, newerMark, key())).isEqualTo(reset(ResetReason.PAST_RETENTION));
        assertThat(CursorCodec.verify(token, markSawAnInFlightOneFinish, key()))
                .isEqualTo(reset(ResetReason.PAST_RETENTION));
    }

    @Test
    void aCursorNoOlderThanTheRetentionMarkIsValid() {
        Cursor typical = TestCursors.typical();
        String token = CursorCodec.encode(typical, key(), nonce());

        assertThat(CursorCodec.verify(token, TestCursors.expectation().withRetentionMark(typical.sPrev()), key()))
                .isEqualTo(new CursorCheck.Valid(typical));
        assertThat(CursorCodec.verify(
                        token, TestCursors.expectation().withRetentionMark(PgSnapshot.of(1000, 1000)), key()))
                .isEqualTo(new CursorCheck.Valid(typical));
    }

    @Test
    void aCursorBeyondTheDatabasesCurrentXmaxIsFromTheFuture() {
        Cursor typical = TestCursors.typical();
        String token = CursorCodec.encode(typical, key(), nonce());
        long sHiXmax = typical.sHi().xmax();

        assertThat(CursorCodec.verify(token, TestCursors.expectation().withCurrentXmax(sHiXmax - 1), key()))
                .isEqualTo(reset(ResetReason.FROM_THE_FUTURE));
        assertThat(CursorCodec.verify(token, TestCursors.expectation().withCurrentXmax(sHiXmax), key()))
                .isEqualTo(new CursorCheck.Valid(typical));
    }

    @Test
    void aCursorBothFromTheFutureAndPastRetentionIsReportedAsFromTheFuture() {
        Cursor typical = TestCursors.typical();
        String token = CursorCodec.encode(typical, key(), nonce());
        CursorExpectation restored = TestCursors.expectation()
                .withCurrentXmax(typical.sPrev().xmax() - 1)
                .withRetentionMark(
                        PgSnapshot.of(typical.sHi().xmax(), typical.sHi().xmax()));

        assertThat(CursorCodec.verify(token, restored, key())).isEqualTo(reset(ResetReason.FROM_THE_FUTURE));
    }

    // --- helpers

    private static CursorCheck verifyRich(String token) {
        return CursorCodec.verify(token, TestCursors.expectationFor(TestCursors.rich()), key());
    }

    private static String sealed(byte[] payload) {
        return CursorCodec.seal(payload, key(), nonce());
    }

    /** A token of the typical cursor whose length leaves bits over in its last character. */
    private static String tokenWithLeftoverBits() {
        for (long counter = 0; ; counter++) {
            String token =
                    CursorCodec.encode(TestCursors.withResponseCounter(TestCursors.typical(), counter), key(), nonce());
            if (token.length() % 4 != 0) {
                return token;
            }
        }
    }

    private static CursorCheck verifyDefect(Consumer<HandWritten> defect) {
        return CursorCodec.verify(sealed(handWritten(defect)), TestCursors.expectation(), key());
    }

    /** The fields of a format-1 payload written one by one, so a test can replace one of them with a defect. */
    private static final class HandWritten {
        Consumer<PayloadWriter> protocolVersion = out -> out.varint(1);
        Consumer<PayloadWriter> plan = out -> out.bytes(HexFormat.of().parseHex(TestCursors.PLAN));
        Consumer<PayloadWriter> actor = out -> out.string(TestCursors.ACTOR);
        // 100:110:100,105 as zigzag(xmin), xmax - xmin, count, gaps
        Consumer<PayloadWriter> sPrev =
                out -> out.zigzag(100).varint(10).varint(2).varint(0).varint(4);
        // 103:120:103,119 relative to S_prev's xmin
        Consumer<PayloadWriter> sHi =
                out -> out.zigzag(3).varint(17).varint(2).varint(0).varint(15);
        int flags = 2;
        Consumer<PayloadWriter> position = out -> out.varint(107).varint(9).varint(3);
        Consumer<PayloadWriter> loading =
                out -> out.varint(1).string("a[]").varint(2).u8(1 | 2).string("k");
        Consumer<PayloadWriter> responseCounter = out -> out.varint(7);
    }

    private static byte[] handWritten(Consumer<HandWritten> defect) {
        HandWritten fields = new HandWritten();
        defect.accept(fields);
        PayloadWriter out = new PayloadWriter().u8(CursorCodec.FORMAT);
        fields.protocolVersion.accept(out);
        out.string(TestCursors.DATABASE);
        fields.plan.accept(out);
        fields.actor.accept(out);
        out.string(TestCursors.CLIENT).string(TestCursors.RULE);
        fields.sPrev.accept(out);
        fields.sHi.accept(out);
        out.u8(fields.flags);
        if ((fields.flags & 2) != 0) {
            fields.position.accept(out);
        }
        fields.loading.accept(out);
        fields.responseCounter.accept(out);
        return out.toByteArray();
    }

    // --- the signed-only format of earlier versions, and what a token must not show

    /**
     * The drained test cursor as the signed-only format wrote it (payload, then HMAC-SHA256 of {@code
     * "nizhal-cursor\0"} and the payload under the test key), by the codec of commit 72eed2b.
     */
    private static final String SIGNED_ONLY_DRAINED =
            "AQEkNWQzYzJiMWEtOWY4ZS00ZDdjLThiNmEtNWY0ZTNkMmMxYjBhIJ-G0IGITH1lmi_qoMVa0BWjv08bKwuCLNFdbBWw8AoIOmh0dHBzOi8v"
                    + "aXNzdWVyLmV4YW1wbGUuY29tL3xhdXRoMHw1ZjhkMGQ1NWI1NDc2NDQyMWI3MTU2YzMPYy03ZjNhOWIyZS00MWQ2C3NoYXJlZExp"
                    + "c3Rztm0AAAAAAAEAAHVL9PpZ123l4Aqa8YitB4m7EYocaBrv4dLxUIqSJlmx";

    /** {@code cursor} as the signed-only format wrote it. */
    private static String signedOnly(Cursor cursor) {
        try {
            byte[] payload = CursorCodec.payload(cursor);
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key(), "HmacSHA256"));
            mac.update("nizhal-cursor\0".getBytes(StandardCharsets.US_ASCII));
            byte[] tag = mac.doFinal(payload);
            byte[] token = Arrays.copyOf(payload, payload.length + tag.length);
            System.arraycopy(tag, 0, token, payload.length, tag.length);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The strings of {@code cursor} that a token must not show: who, where, what. */
    private static List<String> secretsOf(Cursor cursor) {
        List<String> secrets = new ArrayList<>(List.of(
                cursor.actorId(), cursor.clientId(), cursor.databaseIdentity(), cursor.planHash(), cursor.rule()));
        cursor.loading().forEach(load -> secrets.add(load.bucketKey()));
        return secrets;
    }

    // --- key check

    @Test
    void theKeyCheckIsTheSameForOneKeyAndDiffersForAnotherWithoutShowingTheKey() {
        byte[] key = key();
        byte[] other = key.clone();
        other[0] ^= 1;

        String check = CursorCodec.keyCheck(key);

        assertThat(check).matches("[0-9a-f]{64}").isEqualTo(CursorCodec.keyCheck(key.clone()));
        assertThat(CursorCodec.keyCheck(other)).isNotEqualTo(check);
        assertThat(check)
                .doesNotContain(HexFormat.of().formatHex(key))
                .doesNotContain(Base64.getEncoder().encodeToString(key));
    }

    @Test
    void theKeyCheckRefusesAShortKeyLikeSigningDoes() {
        assertThatIllegalArgumentException().isThrownBy(() -> CursorCodec.keyCheck(new byte[31]));
    }
}
