package dev.nizhal.domain.cursor;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a {@link Cursor} into the opaque token a client stores, and a token back into a cursor only if this server
 * signed it for the request at hand.
 *
 * <p>A token is {@code base64url(payload || HMAC-SHA256(key, context || payload))} without padding. The payload is
 * compact binary: a format byte, then the fields as length-prefixed UTF-8 strings, unsigned LEB128 varints and
 * zig-zag varints, with the plan hash as raw bytes and each in-flight list as gaps between ascending ids, so a
 * typical cursor (20 in-flight ids in each snapshot, 3 loading buckets, UUID keys) takes about 670 characters. Layout of format 1:
 *
 * <pre>
 * u8 format (1) | varint protocolVersion | string databaseIdentity | bytes planHash
 * | string actorId | string clientId | string rule | snapshot sPrev (relative to 0) | snapshot sHi (relative to
 * sPrev.xmin) | u8 flags (1 drained, 2 position present) | [varint txid, varint seq, varint ordinal]
 * | varint count, count x (string bucketKey, varint tableIndex, u8 flags (1 lastKey present, 2 began in current
 * window), [string lastKey]) | varint responseCounter
 * snapshot = zigzag (xmin - base) | varint (xmax - xmin) | varint count | count x varint gap
 *   (first gap = xip1 - xmin, then xip(i) - xip(i-1) - 1)
 * </pre>
 *
 * <p>The key is at least {@value #MIN_KEY_BYTES} bytes (RFC 2104 asks for no less than the hash's output). A key or
 * expectation that breaks that is a programmer's error and throws; a token never does.
 */
public final class CursorCodec {

    /** The longest token {@link #verify} reads; {@link #encode} refuses a cursor that would need more. */
    public static final int MAX_TOKEN_LENGTH = 16_384;

    /** The shortest HMAC key accepted, in bytes. */
    public static final int MIN_KEY_BYTES = 32;

    /** The binary layout written by {@link #encode}; the first payload byte, so a later layout can be told apart. */
    static final int FORMAT = 1;

    private static final String MAC_ALGORITHM = "HmacSHA256";
    private static final int TAG_BYTES = 32;

    // Signing a label with the payload keeps a cursor signature from being valid for anything else that might one
    // day be signed with the same key.
    private static final byte[] CONTEXT = "nizhal-cursor\0".getBytes(StandardCharsets.US_ASCII);

    // The label of a key check: its byte 13 is '-' where CONTEXT has its NUL, so no cursor signature is ever a key
    // check, nor the other way round.
    private static final byte[] KEY_CHECK_LABEL = "nizhal-cursor-key-check\0".getBytes(StandardCharsets.US_ASCII);

    private static final int DRAINED = 1;
    private static final int HAS_POSITION = 2;
    private static final int HAS_LAST_KEY = 1;
    private static final int BEGAN_IN_CURRENT_WINDOW = 2;

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final HexFormat HEX = HexFormat.of();

    private CursorCodec() {}

    /**
     * Signs {@code cursor} into a token.
     *
     * @throws IllegalArgumentException if the key is shorter than {@value #MIN_KEY_BYTES} bytes, or the token would
     *     be longer than {@value #MAX_TOKEN_LENGTH} characters (too many or too long loading bucket keys)
     */
    public static String encode(Cursor cursor, byte[] hmacKey) {
        Objects.requireNonNull(cursor, "cursor");
        requireKey(hmacKey);
        String token = seal(payload(cursor), hmacKey);
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException(
                    "cursor token would take " + token.length() + " characters, more than " + MAX_TOKEN_LENGTH);
        }
        return token;
    }

    /**
     * Checks a token a client sent, in this order: it is a token at all ({@link ResetReason#MALFORMED}), the
     * signature matches ({@link ResetReason#BAD_SIGNATURE}), its format is known
     * ({@link ResetReason#UNSUPPORTED_VERSION}), the signed payload decodes ({@link ResetReason#MALFORMED}), and then
     * {@link CursorExpectation#check}. Nothing in the payload except its extent is looked at before the signature
     * matches.
     *
     * <p>Never throws for any {@code token}, {@code null} included: every answer about the token is a
     * {@link CursorCheck}.
     *
     * @throws NullPointerException if {@code expected} or {@code hmacKey} is null
     * @throws IllegalArgumentException if the key is shorter than {@value #MIN_KEY_BYTES} bytes
     */
    public static CursorCheck verify(String token, CursorExpectation expected, byte[] hmacKey) {
        Objects.requireNonNull(expected, "expected");
        requireKey(hmacKey);
        byte[] sealed = base64url(token);
        if (sealed == null || sealed.length < 1 + TAG_BYTES) {
            return new CursorCheck.Reset(ResetReason.MALFORMED);
        }
        int payloadLength = sealed.length - TAG_BYTES;
        byte[] tag = Arrays.copyOfRange(sealed, payloadLength, sealed.length);
        // Constant time, so the comparison leaks nothing about how much of a forged tag was right.
        if (!MessageDigest.isEqual(tag(hmacKey, sealed, payloadLength), tag)) {
            return new CursorCheck.Reset(ResetReason.BAD_SIGNATURE);
        }
        PayloadReader reader = new PayloadReader(sealed, 0, payloadLength);
        Cursor cursor;
        try {
            if (reader.u8() != FORMAT) {
                return new CursorCheck.Reset(ResetReason.UNSUPPORTED_VERSION);
            }
            cursor = readCursor(reader);
        } catch (MalformedPayloadException | IllegalArgumentException | ArithmeticException e) {
            // Only this server's key signs payloads, so this is a bug of an older writer or a leaked key; either
            // way the answer to the client is a reset. IllegalArgumentException comes from the records' own checks
            // (impossible values), ArithmeticException from overflowing sums of deltas. All three are unchecked, so
            // nothing but this catch keeps verify from throwing; CursorCodecPropertiesTest checks that it does.
            return new CursorCheck.Reset(ResetReason.MALFORMED);
        }
        return expected.check(cursor);
    }

    /**
     * A value that tells two cursor keys apart without revealing either: HMAC-SHA256 of a fixed label under the key,
     * in hex. Instances that share a database store and compare it, so that one with another key is refused at start.
     *
     * @throws IllegalArgumentException if the key is shorter than {@value #MIN_KEY_BYTES} bytes
     */
    public static String keyCheck(byte[] hmacKey) {
        requireKey(hmacKey);
        return HEX.formatHex(mac(hmacKey, KEY_CHECK_LABEL, KEY_CHECK_LABEL, 0));
    }

    /** The payload of {@code cursor}, unsigned; visible to tests that forge signed payloads. */
    static byte[] payload(Cursor cursor) {
        PayloadWriter out = new PayloadWriter()
                .u8(FORMAT)
                .varint(cursor.protocolVersion())
                .string(cursor.databaseIdentity())
                .bytes(HEX.parseHex(cursor.planHash()))
                .string(cursor.actorId())
                .string(cursor.clientId())
                .string(cursor.rule());
        writeSnapshot(out, cursor.sPrev(), 0);
        writeSnapshot(out, cursor.sHi(), cursor.sPrev().xmin());
        Cursor.Position position = cursor.position();
        out.u8((cursor.drained() ? DRAINED : 0) | (position != null ? HAS_POSITION : 0));
        if (position != null) {
            out.varint(position.txid()).varint(position.seq()).varint(position.ordinal());
        }
        out.varint(cursor.loading().size());
        for (Cursor.Loading load : cursor.loading()) {
            out.string(load.bucketKey())
                    .varint(load.tableIndex())
                    .u8((load.lastKey() != null ? HAS_LAST_KEY : 0)
                            | (load.beganInCurrentWindow() ? BEGAN_IN_CURRENT_WINDOW : 0));
            if (load.lastKey() != null) {
                out.string(load.lastKey());
            }
        }
        out.varint(cursor.responseCounter());
        return out.toByteArray();
    }

    /** {@code payload} signed and encoded as a token; visible to tests that forge signed payloads. */
    static String seal(byte[] payload, byte[] hmacKey) {
        byte[] sealed = Arrays.copyOf(payload, payload.length + TAG_BYTES);
        System.arraycopy(tag(hmacKey, payload, payload.length), 0, sealed, payload.length, TAG_BYTES);
        return BASE64URL.encodeToString(sealed);
    }

    private static void writeSnapshot(PayloadWriter out, PgSnapshot snapshot, long baseXmin) {
        out.zigzag(snapshot.xmin() - baseXmin)
                .varint(snapshot.xmax() - snapshot.xmin())
                .varint(snapshot.xip().size());
        long previous = snapshot.xmin() - 1;
        for (long txid : snapshot.xip()) {
            out.varint(txid - previous - 1);
            previous = txid;
        }
    }

    private static Cursor readCursor(PayloadReader in) {
        int protocolVersion = in.intAtMost(Integer.MAX_VALUE);
        String databaseIdentity = in.string();
        String planHash = HEX.formatHex(in.bytes());
        String actorId = in.string();
        String clientId = in.string();
        String rule = in.string();
        PgSnapshot sPrev = readSnapshot(in, 0);
        PgSnapshot sHi = readSnapshot(in, sPrev.xmin());
        int flags = in.u8();
        if ((flags & ~(DRAINED | HAS_POSITION)) != 0) {
            throw new MalformedPayloadException("unknown cursor flags");
        }
        Cursor.Position position = (flags & HAS_POSITION) == 0
                ? null
                : new Cursor.Position(in.nonNegative(), in.nonNegative(), in.intAtMost(Integer.MAX_VALUE));
        // A loading entry takes at least 4 bytes: a bucket key of one byte and its length, a table index, flags.
        int loadingCount = in.count(4);
        List<Cursor.Loading> loading = new ArrayList<>(loadingCount);
        for (int i = 0; i < loadingCount; i++) {
            String bucketKey = in.string();
            int tableIndex = in.intAtMost(Integer.MAX_VALUE);
            int loadFlags = in.u8();
            if ((loadFlags & ~(HAS_LAST_KEY | BEGAN_IN_CURRENT_WINDOW)) != 0) {
                throw new MalformedPayloadException("unknown loading flags");
            }
            String lastKey = (loadFlags & HAS_LAST_KEY) == 0 ? null : in.string();
            loading.add(new Cursor.Loading(bucketKey, tableIndex, lastKey, (loadFlags & BEGAN_IN_CURRENT_WINDOW) != 0));
        }
        long responseCounter = in.nonNegative();
        in.expectEnd();
        return new Cursor(
                protocolVersion,
                databaseIdentity,
                planHash,
                actorId,
                clientId,
                rule,
                sPrev,
                sHi,
                (flags & DRAINED) != 0,
                position,
                loading,
                responseCounter);
    }

    private static PgSnapshot readSnapshot(PayloadReader in, long baseXmin) {
        long xmin = Math.addExact(baseXmin, in.zigzag());
        if (xmin < 1) {
            throw new MalformedPayloadException("snapshot xmin out of range");
        }
        long xmax = Math.addExact(xmin, in.nonNegative());
        int count = in.count(1);
        List<Long> xip = new ArrayList<>(count);
        long previous = xmin - 1;
        for (int i = 0; i < count; i++) {
            previous = Math.addExact(Math.addExact(previous, 1), in.nonNegative());
            xip.add(previous);
        }
        // The constructor refuses ids at or above xmax; ascending and distinct hold by construction of the gaps.
        return new PgSnapshot(xmin, xmax, xip);
    }

    /**
     * The bytes of a canonical unpadded base64url string, or {@code null}. Canonical, so that exactly one string
     * stands for a token: the JDK decoder would also take padding and ignore non-zero leftover bits.
     */
    private static byte[] base64url(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH || token.length() % 4 == 1) {
            return null;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return null;
            }
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return null; // not expected after the checks above; kept so that no input can make verify throw
        }
        return BASE64URL.encodeToString(bytes).equals(token) ? bytes : null;
    }

    private static byte[] tag(byte[] hmacKey, byte[] payload, int length) {
        return mac(hmacKey, CONTEXT, payload, length);
    }

    /** HMAC-SHA256 under {@code hmacKey} of {@code label} followed by the first {@code length} bytes of {@code data}. */
    private static byte[] mac(byte[] hmacKey, byte[] label, byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance(MAC_ALGORITHM);
            mac.init(new SecretKeySpec(hmacKey, MAC_ALGORITHM));
            mac.update(label);
            mac.update(data, 0, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            // Every JDK ships HmacSHA256, and requireKey has refused the keys SecretKeySpec would.
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }

    private static void requireKey(byte[] hmacKey) {
        Objects.requireNonNull(hmacKey, "hmacKey");
        if (hmacKey.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException(
                    "an HMAC key needs at least " + MIN_KEY_BYTES + " bytes, got " + hmacKey.length);
        }
    }
}
