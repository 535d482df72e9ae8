package dev.nizhal.domain.cursor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Cursors, keys and expectations shared by the cursor tests. */
final class TestCursors {
    private TestCursors() {}

    static final String DATABASE = "5d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a";
    static final String PLAN = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    static final String ACTOR = "https://issuer.example.com/|auth0|5f8d0d55b54764421b7156c3";
    static final String CLIENT = "c-7f3a9b2e-41d6";
    static final String RULE = "sharedLists";

    static byte[] key() {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i * 7 + 3);
        }
        return key;
    }

    private static final AtomicLong NONCES = new AtomicLong();

    /** A nonce not used before in this test run: a counter in the last 8 of its 12 bytes. */
    static byte[] nonce() {
        byte[] nonce = new byte[CursorCodec.NONCE_BYTES];
        long counter = NONCES.incrementAndGet();
        for (int i = nonce.length - 1; counter != 0; i--, counter >>>= 8) {
            nonce[i] = (byte) counter;
        }
        return nonce;
    }

    static byte[] otherKey() {
        byte[] key = key();
        key[31] ^= 1;
        return key;
    }

    /** What a pull by the actor, client and rule of every cursor here expects, without the snapshot checks. */
    static CursorExpectation expectation() {
        return CursorExpectation.of(1, DATABASE, PLAN, ACTOR, CLIENT, RULE);
    }

    /** What a pull by the actor, client and rule of {@code cursor} expects, without the snapshot checks. */
    static CursorExpectation expectationFor(Cursor cursor) {
        return CursorExpectation.of(
                cursor.protocolVersion(),
                cursor.databaseIdentity(),
                cursor.planHash(),
                cursor.actorId(),
                cursor.clientId(),
                cursor.rule());
    }

    /** A cursor as a busy server issues it: 20 in-flight ids in each snapshot, mid-window, three loads. */
    static Cursor typical() {
        PgSnapshot sPrev = snapshotWithInFlight(1_234_567_000L, 20, 37);
        PgSnapshot sHi = snapshotWithInFlight(1_234_567_480L, 20, 41);
        return new Cursor(
                1,
                DATABASE,
                PLAN,
                ACTOR,
                CLIENT,
                RULE,
                sPrev,
                sHi,
                false,
                new Cursor.Position(1_234_567_812L, 98_765_432L, 417),
                List.of(
                        new Cursor.Loading(
                                "sharedLists[\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\"]",
                                0,
                                "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                                false),
                        new Cursor.Loading(
                                "sharedLists[\"6ba7b810-9dad-11d1-80b4-00c04fd430c8\"]",
                                1,
                                "[\"6ba7b811-9dad-11d1-80b4-00c04fd430c8\",42]",
                                true),
                        new Cursor.Loading("sharedLists[\"1b4e28ba-2fa1-11d2-883f-0016d3cca427\"]", 0, null, true)),
                18_442L);
    }

    /** A cursor with every optional part filled, keys in many scripts and a long in-flight list. */
    static Cursor rich() {
        List<Long> xip = new ArrayList<>();
        long txid = 9_000_000_000L;
        for (int i = 0; i < 300; i++) {
            xip.add(txid);
            txid += 1 + (i * i) % 5_000; // gaps of every varint width up to a few bytes
        }
        PgSnapshot sPrev = new PgSnapshot(9_000_000_000L, txid + 1, xip);
        PgSnapshot sHi = PgSnapshot.parse("9000000000:9100000000:9000000000,9099999999");
        return new Cursor(
                1,
                "données-été-Ω",
                PLAN,
                "utilisateur·ñ/𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
                "клиент-😀",
                "règle_名前",
                sPrev,
                sHi,
                false,
                new Cursor.Position(9_000_000_017L, Long.MAX_VALUE, Integer.MAX_VALUE),
                List.of(
                        new Cursor.Loading("myNotes[\"ü名😀\"]", 0, "clé \u0000 \"quoted\" \\ 𝄞", false),
                        new Cursor.Loading("عربي[\"מפתח\"]", 3, null, true),
                        new Cursor.Loading("announcements[]", Integer.MAX_VALUE, "", false),
                        new Cursor.Loading("e\u0301\u200d👩‍👩‍👧", 2, "\uFEFF\uFFFF", true)),
                Long.MAX_VALUE);
    }

    /** A drained cursor with no paging position and nothing loading. */
    static Cursor drained() {
        PgSnapshot snapshot = PgSnapshot.parse("7003:7003:");
        return new Cursor(1, DATABASE, PLAN, ACTOR, CLIENT, RULE, snapshot, snapshot, true, null, List.of(), 0);
    }

    /** {@code count} in-flight ids, {@code spacing} apart, the first at xmin. */
    static PgSnapshot snapshotWithInFlight(long xmin, int count, int spacing) {
        List<Long> xip = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            xip.add(xmin + (long) i * spacing);
        }
        return new PgSnapshot(xmin, xmin + (long) count * spacing + 5, xip);
    }

    static Cursor withProtocolVersion(Cursor c, int version) {
        return new Cursor(
                version,
                c.databaseIdentity(),
                c.planHash(),
                c.actorId(),
                c.clientId(),
                c.rule(),
                c.sPrev(),
                c.sHi(),
                c.drained(),
                c.position(),
                c.loading(),
                c.responseCounter());
    }

    static Cursor withSnapshots(Cursor c, PgSnapshot sPrev, PgSnapshot sHi) {
        return new Cursor(
                c.protocolVersion(),
                c.databaseIdentity(),
                c.planHash(),
                c.actorId(),
                c.clientId(),
                c.rule(),
                sPrev,
                sHi,
                c.drained(),
                c.position(),
                c.loading(),
                c.responseCounter());
    }

    static Cursor withResponseCounter(Cursor c, long counter) {
        return new Cursor(
                c.protocolVersion(),
                c.databaseIdentity(),
                c.planHash(),
                c.actorId(),
                c.clientId(),
                c.rule(),
                c.sPrev(),
                c.sHi(),
                c.drained(),
                c.position(),
                c.loading(),
                counter);
    }
}
