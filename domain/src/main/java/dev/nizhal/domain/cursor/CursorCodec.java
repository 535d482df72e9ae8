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
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a {@link Cursor} into the opaque token a client stores, and a token back into a cursor only if this server
 * sealed it for the request at hand.
 *
 * <p>A token is {@code base64url(nonce || AES-256-GCM(k, nonce, payload))} without padding: a fresh random 96-bit
 * nonce, then the ciphertext of the payload with its 128-bit tag. Sealed, not only signed: nothing of the payload
 * (actor, client, database identity, plan, rule, snapshots, bucket keys) can be read from a token, and no change to it
 * goes unnoticed. {@code k} is not the configured key itself but HKDF-SHA256 of it with the label
 * {@value #SEAL_LABEL}, so the configured secret serves no two purposes directly (the {@link #keyCheck} is an HMAC of
 * another label under it). Nonces are random, so sealing needs no shared state between instances; the chance that two
 * cursors sealed under one key share a nonce stays below 2<sup>-32</sup> for the first 2<sup>32</sup> cursors, which
 * is NIST SP 800-38D's bound for random nonces (change the key long before a deployment seals that many).
 *
 * <p>The payload is compact binary: a format byte, then the fields as length-prefixed UTF-8 strings, unsigned LEB128
 * varints and zig-zag varints, with the plan hash as raw bytes and each in-flight list as gaps between ascending ids,
 * so a typical cursor (20 in-flight ids in each snapshot, 3 loading buckets, UUID keys) takes about 670 characters.
 * Layout of format 1:
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
 * <p>Tokens of the signed-only format of earlier versions ({@code payload || HMAC-SHA256}) do not open, like any
 * other token this key did not seal: their clients reset once.
 *
 * <p>The key is at least {@value #MIN_KEY_BYTES} bytes. A key, nonce or expectation that breaks the rules is a
 * programmer's error and throws; a token never does.
 */
public final class CursorCodec {

    /** The longest token {@link #verify} reads; {@link #encode} refuses a cursor that would need more. */
    public static final int MAX_TOKEN_LENGTH = 16_384;

    /** The shortest configured cursor key accepted, in bytes. */
    public static final int MIN_KEY_BYTES = 32;

    /** The length of the nonce {@link #encode} takes: 96 bits, fresh from a secure random source for every cursor. */
    public static final int NONCE_BYTES = 12;

    /** The binary layout of the payload; its first byte, so a later layout can be told apart. */
    static final int FORMAT = 1;

    /** The HKDF label of the sealing key: another label gives an unrelated key from the same configured secret. */
    static final String SEAL_LABEL = "nizhal cursor AES-256-GCM key";

    private static final String CIPHER = "AES/GCM/NoPadding";
    private static final int TAG_BYTES = 16;
    private static final byte[] SEAL_INFO = SEAL_LABEL.getBytes(StandardCharsets.US_ASCII);

    private static final String MAC_ALGORITHM = "HmacSHA256";

    // The label of a key check (unchanged since cursors were signed, so that a stored check stays valid).
    private static final byte[] KEY_CHECK_LABEL = "nizhal-cursor-key-check\0".getBytes(StandardCharsets.US_ASCII);

    private static final int DRAINED = 1;
    private static final int HAS_POSITION = 2;
    private static final int HAS_LAST_KEY = 1;
    private static final int BEGAN_IN_CURRENT_WINDOW = 2;

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final HexFormat HEX = HexFormat.of();

    private CursorCodec() {}

    /**
     * Seals {@code cursor} into a token.
     *
     * @param key the configured cursor key, at least {@value #MIN_KEY_BYTES} bytes
     * @param nonce {@value #NONCE_BYTES} bytes never used before with this key: fresh from a {@code SecureRandom}
     * @throws IllegalArgumentException if the key is shorter than {@value #MIN_KEY_BYTES} bytes, the nonce is not
     *     {@value #NONCE_BYTES} bytes, or the token would be longer than {@value #MAX_TOKEN_LENGTH} characters (too
     *     many or too long loading bucket keys)
     */
    public static String encode(Cursor cursor, byte[] key, byte[] nonce) {
        Objects.requireNonNull(cursor, "cursor");
        requireKey(key);
        String token = seal(payload(cursor), key, nonce);
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException(
                    "cursor token would take " + token.length() + " characters, more than " + MAX_TOKEN_LENGTH);
        }
        return token;
    }

    /**
     * Checks a token a client sent, in this order: it is a token at all ({@link ResetReason#MALFORMED}), it opens
     * under this key, which proves it whole and sealed here ({@link ResetReason#BAD_SIGNATURE}), its format is known
     * ({@link ResetReason#UNSUPPORTED_VERSION}), the payload decodes ({@link ResetReason#MALFORMED}), and then
     * {@link CursorExpectation#check}. Nothing of the payload is looked at before it has been authenticated.
     *
     * <p>Never throws for any {@code token}, {@code null} included: every answer about the token is a
     * {@link CursorCheck}.
     *
     * @throws NullPointerException if {@code expected} or {@code key} is null
     * @throws IllegalArgumentException if the key is shorter than {@value #MIN_KEY_BYTES} bytes
     */
    public static CursorCheck verify(String token, CursorExpectation expected, byte[] key) {
        Objects.requireNonNull(expected, "expected");
        requireKey(key);
        byte[] sealed = base64url(token);
        if (sealed == null || sealed.length < NONCE_BYTES + 1 + TAG_BYTES) {
            return new CursorCheck.Reset(ResetReason.MALFORMED);
        }
        byte[] payload = open(sealed, key);
        if (payload == null) {
            return new CursorCheck.Reset(ResetReason.BAD_SIGNATURE);
        }
        PayloadReader reader = new PayloadReader(payload, 0, payload.length);
        Cursor cursor;
        try {
            if (reader.u8() != FORMAT) {
                return new CursorCheck.Reset(ResetReason.UNSUPPORTED_VERSION);
            }
            cursor = readCursor(reader);
        } catch (MalformedPayloadException | IllegalArgumentException | ArithmeticException e) {
            // Only this server's key seals payloads, so this is a bug of an older writer or a leaked key; either
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
    public static String keyCheck(byte[] key) {
        requireKey(key);
        return HEX.formatHex(mac(key, KEY_CHECK_LABEL));
    }

    /** The payload of {@code cursor}, before sealing; visible to tests that seal payloads of their own. */
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

    /** {@code payload} sealed and encoded as a token; visible to tests that seal payloads of their own. */
    static String seal(byte[] payload, byte[] key, byte[] nonce) {
        Objects.requireNonNull(nonce, "nonce");
        if (nonce.length != NONCE_BYTES) {
            throw new IllegalArgumentException("a nonce has " + NONCE_BYTES + " bytes, got " + nonce.length);
        }
        try {
            Cipher cipher = Cipher.getInstance(CIPHER);
            cipher.init(Cipher.ENCRYPT_MODE, sealingKey(key), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            byte[] sealed = Arrays.copyOf(nonce, NONCE_BYTES + cipher.getOutputSize(payload.length));
            cipher.doFinal(payload, 0, payload.length, sealed, NONCE_BYTES);
            return BASE64URL.encodeToString(sealed);
        } catch (GeneralSecurityException e) {
            // Every JDK ships AES/GCM/NoPadding, and the key and nonce have the sizes it takes.
            throw new IllegalStateException("AES-256-GCM is unavailable", e);
        }
    }

    /** The payload inside {@code sealed}, or {@code null} when it does not open under this key. */
    private static byte[] open(byte[] sealed, byte[] key) {
        try {
            Cipher cipher = Cipher.getInstance(CIPHER);
            cipher.init(
                    Cipher.DECRYPT_MODE, sealingKey(key), new GCMParameterSpec(TAG_BYTES * 8, sealed, 0, NONCE_BYTES));
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            return null; // altered, truncated, sealed under another key, or not a sealed token at all
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is unavailable", e);
        }
    }

    /**
     * The sealing key of the configured key last used, derived once rather than twice a pull (its HKDF took four
     * HMAC computations). A different key (another instance's configuration, a test's) derives its own and takes the
     * place.
     */
    private static volatile DerivedKey lastSealingKey;

    private record DerivedKey(byte[] key, SecretKeySpec sealing) {}

    private static SecretKeySpec sealingKey(byte[] key) {
        DerivedKey last = lastSealingKey;
        if (last != null && MessageDigest.isEqual(last.key(), key)) {
            return last.sealing();
        }
        SecretKeySpec sealing = new SecretKeySpec(Hkdf.sha256(key, new byte[0], SEAL_INFO, 32), "AES");
        lastSealingKey = new DerivedKey(key.clone(), sealing);
        return sealing;
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

    /** HMAC-SHA256 of {@code data} under {@code key}. */
    private static byte[] mac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(MAC_ALGORITHM);
            mac.init(new SecretKeySpec(key, MAC_ALGORITHM));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            // Every JDK ships HmacSHA256, and requireKey has refused the keys SecretKeySpec would.
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }

    private static void requireKey(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException(
                    "a cursor key needs at least " + MIN_KEY_BYTES + " bytes, got " + key.length);
        }
    }
}
