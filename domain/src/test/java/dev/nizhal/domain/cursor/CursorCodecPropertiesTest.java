package dev.nizhal.domain.cursor;

import static dev.nizhal.domain.cursor.TestCursors.key;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

class CursorCodecPropertiesTest {
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    @Property
    void anyStringIsAResetAndNeverAnException(@ForAll("anyStrings") String token) {
        assertThat(CursorCodec.verify(token, TestCursors.expectation(), key())).isInstanceOf(CursorCheck.Reset.class);
    }

    @Property
    void anyBytesInBase64urlAreMalformedOrBadlySignedAndNeverAnException(@ForAll("anyBytes") byte[] bytes) {
        CursorCheck check = CursorCodec.verify(BASE64URL.encodeToString(bytes), TestCursors.expectation(), key());

        assertThat(check)
                .isIn(new CursorCheck.Reset(ResetReason.MALFORMED), new CursorCheck.Reset(ResetReason.BAD_SIGNATURE));
    }

    @Property
    void randomCursorsRoundTrip(@ForAll("cursors") Cursor cursor) {
        String token = CursorCodec.encode(cursor, key());

        assertThat(CursorCodec.verify(token, TestCursors.expectationFor(cursor), key()))
                .isEqualTo(new CursorCheck.Valid(cursor));
        assertThat(token).matches("[A-Za-z0-9_-]+");
    }

    @Property
    void changingAnyByteOfARandomCursorsTokenGivesBadSignature(
            @ForAll("cursors") Cursor cursor,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where,
            @ForAll @IntRange(min = 1, max = 255) int xor) {
        byte[] sealed = Base64.getUrlDecoder().decode(CursorCodec.encode(cursor, key()));
        sealed[where % sealed.length] ^= (byte) xor;

        assertThat(CursorCodec.verify(BASE64URL.encodeToString(sealed), TestCursors.expectationFor(cursor), key()))
                .isEqualTo(new CursorCheck.Reset(ResetReason.BAD_SIGNATURE));
    }

    /**
     * The decoder behind the signature, on arbitrary payloads (as if the key had leaked): it never throws, and when
     * it accepts a payload, that payload is exactly what the encoder writes for the cursor it read, so no two payloads
     * stand for one cursor.
     */
    @Property
    void signedArbitraryPayloadsNeverThrowAndDecodeOnlyCanonically(@ForAll("payloads") byte[] payload) {
        CursorCheck check = CursorCodec.verify(CursorCodec.seal(payload, key()), TestCursors.expectation(), key());

        if (check instanceof CursorCheck.Valid(Cursor cursor)) {
            assertThat(CursorCodec.payload(cursor)).isEqualTo(payload);
        }
    }

    /** Real payloads with a few bytes changed, truncated or extended, then signed: mostly near-misses. */
    @Provide
    Arbitrary<byte[]> payloads() {
        Arbitrary<byte[]> mutatedTypical = Combinators.combine(
                        Arbitraries.integers()
                                .between(0, 10_000)
                                .list()
                                .ofMinSize(1)
                                .ofMaxSize(4),
                        Arbitraries.integers().between(0, 255),
                        Arbitraries.integers().between(-3, 3))
                .as((positions, value, lengthChange) -> {
                    byte[] payload = CursorCodec.payload(TestCursors.typical());
                    for (int position : positions) {
                        payload[position % payload.length] = (byte) value.intValue();
                    }
                    return Arrays.copyOf(payload, payload.length + lengthChange);
                });
        Arbitrary<byte[]> random = Arbitraries.bytes()
                .array(byte[].class)
                .ofMaxSize(300)
                .map(bytes -> {
                    if (bytes.length > 0) {
                        bytes[0] = (byte) CursorCodec.FORMAT;
                    }
                    return bytes;
                });
        return Arbitraries.oneOf(mutatedTypical, random);
    }

    @Provide
    Arbitrary<String> anyStrings() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(2_000),
                Arbitraries.strings()
                        .withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                        .ofMaxLength(2_000),
                Arbitraries.just(null));
    }

    @Provide
    Arbitrary<byte[]> anyBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(3_000);
    }

    private record Identity(
            int protocolVersion,
            String databaseIdentity,
            String planHash,
            String actorId,
            String clientId,
            String rule) {}

    @Provide
    Arbitrary<Cursor> cursors() {
        Arbitrary<Identity> identities = Combinators.combine(
                        Arbitraries.integers().between(1, Integer.MAX_VALUE),
                        unicode(1, 40),
                        Arbitraries.bytes()
                                .array(byte[].class)
                                .ofMinSize(1)
                                .ofMaxSize(40)
                                .map(HexFormat.of()::formatHex),
                        unicode(1, 60),
                        unicode(1, 40),
                        unicode(1, 30))
                .as(Identity::new);
        Arbitrary<Cursor.Position> positions = Combinators.combine(
                        Arbitraries.longs().greaterOrEqual(0),
                        Arbitraries.longs().greaterOrEqual(0),
                        Arbitraries.integers().greaterOrEqual(0))
                .as(Cursor.Position::new);
        Arbitrary<Cursor.Loading> loads = Combinators.combine(
                        unicode(1, 60),
                        Arbitraries.integers().greaterOrEqual(0),
                        unicode(0, 60).injectNull(0.3),
                        Arbitraries.of(true, false))
                .as(Cursor.Loading::new);
        return Combinators.combine(
                        identities,
                        snapshots(),
                        snapshots(),
                        Arbitraries.of(true, false),
                        positions.injectNull(0.3),
                        loads.list().ofMaxSize(6).uniqueElements(Cursor.Loading::bucketKey),
                        Arbitraries.longs().greaterOrEqual(0))
                .as((id, sPrev, sHi, drained, position, loading, counter) -> new Cursor(
                        id.protocolVersion(),
                        id.databaseIdentity(),
                        id.planHash(),
                        id.actorId(),
                        id.clientId(),
                        id.rule(),
                        sPrev,
                        sHi,
                        drained,
                        drained ? null : position,
                        loading,
                        counter));
    }

    private static Arbitrary<PgSnapshot> snapshots() {
        return Combinators.combine(
                        Arbitraries.longs().between(1, Long.MAX_VALUE / 2),
                        Arbitraries.longs().between(0, 1_000_000))
                .flatAs((xmin, width) -> width == 0
                        ? Arbitraries.just(PgSnapshot.of(xmin, xmin))
                        : Arbitraries.longs()
                                .between(0, width - 1)
                                .list()
                                .ofMaxSize(40)
                                .map(offsets -> new PgSnapshot(
                                        xmin,
                                        xmin + width,
                                        offsets.stream().map(o -> xmin + o).toList())));
    }

    /** Well-formed Unicode: mostly ASCII, often other planes, never an unpaired surrogate. */
    private static Arbitrary<String> unicode(int minLength, int maxLength) {
        Arbitrary<Integer> codePoints = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.integers().between(0x20, 0x7E)),
                Tuple.of(2, Arbitraries.integers().between(0, 0xD7FF)),
                Tuple.of(2, Arbitraries.integers().between(0xE000, 0x10FFFF)));
        return codePoints.list().ofMinSize(minLength).ofMaxSize(maxLength).map(CursorCodecPropertiesTest::string);
    }

    private static String string(List<Integer> codePoints) {
        StringBuilder text = new StringBuilder();
        codePoints.forEach(text::appendCodePoint);
        return text.toString();
    }
}
