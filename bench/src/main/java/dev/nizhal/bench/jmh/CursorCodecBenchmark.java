package dev.nizhal.bench.jmh;

import dev.nizhal.domain.cursor.Cursor;
import dev.nizhal.domain.cursor.CursorCheck;
import dev.nizhal.domain.cursor.CursorCodec;
import dev.nizhal.domain.cursor.CursorExpectation;
import dev.nizhal.domain.cursor.PgSnapshot;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cursor: every pull verifies the cursor it was sent and seals a new one ({@link CursorCodec}, AES-256-GCM of a
 * compact payload under a key derived from the configured one). The cursor is the one the codec's Javadoc calls
 * typical: 20 in-flight transactions in each snapshot, 3 loading buckets with UUID keys.
 *
 * <p>Baselines: the cipher alone, AES-256-GCM sealing ({@code baselineSeal}: nonce, encryption, base64url) and opening
 * ({@code baselineOpen}: base64url, decryption and tag check) a byte array of the payload's length, the cipher looked
 * up per call as the codec does, the key spec made once. The difference is the codec's own work: the payload's
 * encoding and decoding, the checks, and deriving the sealing key (HKDF) on every call.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CursorCodecBenchmark {
    private static final String PLAN_HASH = "5f".repeat(32);
    private static final String DATABASE = "7d2c1a94-0c1e-4b7f-9b63-3f4f1f0c2a11";

    private byte[] key;
    private byte[] nonce;
    private Cursor cursor;
    private String token;
    private CursorExpectation expected;

    private SecretKeySpec cipherKey;
    private byte[] payload;
    private String sealed;

    @Setup
    public void setUp() throws GeneralSecurityException {
        SecureRandom random = new SecureRandom();
        key = new byte[32];
        random.nextBytes(key);
        nonce = new byte[CursorCodec.NONCE_BYTES];
        random.nextBytes(nonce);
        cursor = typicalCursor();
        token = CursorCodec.encode(cursor, key, nonce);
        expected = CursorExpectation.of(1, DATABASE, PLAN_HASH, "user-42", "client-42", "myNotes")
                .withCurrentXmax(cursor.sHi().xmax() + 100);
        if (!(CursorCodec.verify(token, expected, key) instanceof CursorCheck.Valid)) {
            throw new IllegalStateException("the benchmark's cursor does not verify");
        }
        // the payload's length: the token's bytes less the nonce and the tag
        payload = new byte[Base64.getUrlDecoder().decode(token).length - CursorCodec.NONCE_BYTES - 16];
        random.nextBytes(payload);
        cipherKey = new SecretKeySpec(key, "AES");
        sealed = baselineSeal();
    }

    /** 20 in-flight transactions in each snapshot, 3 loading buckets with UUID keys, a paging position. */
    static Cursor typicalCursor() {
        PgSnapshot sPrev = snapshot(1_000_000);
        PgSnapshot sHi = snapshot(1_000_500);
        List<Cursor.Loading> loading = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            UUID bucket = new UUID(0x1234_5678_9abc_def0L + i, 0x0fed_cba9_8765_4321L * (i + 1));
            UUID lastKey = new UUID(0x0101_0101_0101_0101L * (i + 1), 0x2222_3333_4444_5555L + i);
            loading.add(new Cursor.Loading("sharedLists[\"" + bucket + "\"]", 1, lastKey.toString(), i == 2));
        }
        return new Cursor(
                1,
                DATABASE,
                PLAN_HASH,
                "user-42",
                "client-42",
                "myNotes",
                sPrev,
                sHi,
                false,
                new Cursor.Position(1_000_480, 3, 250),
                loading,
                17);
    }

    private static PgSnapshot snapshot(long xmin) {
        List<Long> inFlight = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            inFlight.add(xmin + i * 7L);
        }
        return new PgSnapshot(xmin, xmin + 200, inFlight);
    }

    @Benchmark
    public String encode() {
        return CursorCodec.encode(cursor, key, nonce);
    }

    @Benchmark
    public CursorCheck verify() {
        return CursorCodec.verify(token, expected, key);
    }

    @Benchmark
    public String baselineSeal() throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, cipherKey, new GCMParameterSpec(128, nonce));
        byte[] out = new byte[nonce.length + cipher.getOutputSize(payload.length)];
        System.arraycopy(nonce, 0, out, 0, nonce.length);
        cipher.doFinal(payload, 0, payload.length, out, nonce.length);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    }

    @Benchmark
    public byte[] baselineOpen() throws GeneralSecurityException {
        byte[] bytes = Base64.getUrlDecoder().decode(sealed);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, cipherKey, new GCMParameterSpec(128, bytes, 0, CursorCodec.NONCE_BYTES));
        return cipher.doFinal(bytes, CursorCodec.NONCE_BYTES, bytes.length - CursorCodec.NONCE_BYTES);
    }
}
