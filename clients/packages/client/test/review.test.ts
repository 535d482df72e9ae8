// Tests from the client's review: each one demonstrated a defect the review found (now fixed), and keeps it fixed.
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import {
  HttpTransport,
  MemoryStorage,
  NizhalError,
  type PullRequest,
  type PullResponse,
  type PushRequest,
  type PushResponse,
} from "../src/index.js";
import { FakeServer, ManualClock, settle } from "./fakes.js";
import { bodies, bus, deferred, device, follower, state, twoTabs } from "./harness.js";
import { createNizhalClient } from "@nizhal/db-collection";

const mismatch = () => new NizhalError("CLIENT_ACTOR_MISMATCH", "client id bound to another actor", false, 403);

describe("review: renumbering", () => {
  it("a second CLIENT_ACTOR_MISMATCH (the pull's, sent under the old id) does not touch the new id; the other actor's writes are never sent", async () => {
    // the stored client id is bound to another actor on the server: push and pull both get 403 CLIENT_ACTOR_MISMATCH
    const pullGate = deferred();
    const pushGate = deferred();
    let newIdPushes = 0;
    class Server extends FakeServer {
      override async pull(request: PullRequest): Promise<PullResponse> {
        if (request.clientId === "c-taken") {
          await pullGate.promise; // the pull's answer comes late
          throw mismatch();
        }
        return super.pull(request);
      }
      override async push(request: PushRequest): Promise<PushResponse> {
        if (request.clientId === "c-taken") {
          await Promise.resolve();
          throw mismatch();
        }
        if (++newIdPushes === 1) await pushGate.promise; // the first push under the new id is slow
        if (this.pushCount > 200) throw NizhalError.network("test guard: too many pushes");
        return super.push(request);
      }
    }
    const server = new Server();
    const storage = new MemoryStorage();
    await storage.write(async (tx) => {
      await tx.putMeta({ clientId: "c-taken", nextMutationId: 3, rejected: [] });
      for (const id of [1, 2]) {
        await tx.putOutbox({ id, clientId: "c-taken", name: "addNote", args: { id: `n${id}`, body: `b${id}` }, createdAt: 0, status: "pending" });
      }
    });
    const d = device({ server, storage });
    await d.engine.start();
    await settle(); // push under c-taken → 403 → renumbered to Y; push(Y, [1, 2]) now in flight
    const y = d.engine.clientId;
    expect(y).not.toBe("c-taken");
    pullGate.resolve(); // the pull sent under c-taken answers 403 now
    await settle();
    pushGate.resolve(); // push(Y) answers: 1 and 2 applied
    await settle();
    await d.clock.advance(600_000);
    await d.engine.pull("myNotes");
    // the stored writes belong to the actor the old id is bound to: refused here, never sent as this actor
    expect(server.applied).toEqual([]);
    expect(d.engine.status().rejected.map((r) => r.code)).toEqual(["CLIENT_ACTOR_MISMATCH", "CLIENT_ACTOR_MISMATCH"]);
    expect(d.engine.clientId).toBe(y); // the pull's late 403 under the old id changed nothing
    expect(d.engine.status().pending).toBe(0);
    // and a new write goes through (not a MUTATION_ORDER loop)
    const pushesBefore = server.pushCount;
    const write = await d.engine.mutate("addNote", { id: "n3", body: "b3" });
    await settle();
    expect(server.pushCount - pushesBefore).toBeLessThan(5);
    await d.engine.pull("myNotes");
    expect(await state(write.confirmed)).toBe("resolved");
  });

  it("a follower tab's confirmed promise does not resolve when the leader renumbers its write (it is refused later)", async () => {
    const server = new FakeServer();
    server.handlePush({ clientId: "c-reused", mutations: [{ id: 1, name: "addNote", args: { id: "old", body: "old" } }] });
    const storage = new MemoryStorage();
    await storage.write(async (tx) => tx.putMeta({ clientId: "c-reused", nextMutationId: 1, rejected: [] }));
    const channel = bus();
    const leader = device({ server, storage, channel: channel() });
    const tab2 = device({ server, storage, channel: channel(), leadership: follower });
    await leader.engine.start();
    await tab2.engine.start();
    // the follower writes; the leader sends it, gets MUTATION_CONFLICT, renumbers it, and the server refuses it
    const write = await tab2.engine.mutate("failing", { id: "f" });
    await settle();
    await leader.clock.advance(60_000);
    expect(leader.engine.status().rejected.map((r) => r.code)).toEqual(["MUTATION_REJECTED"]);
    expect(await state(write.confirmed)).toBe("MUTATION_REJECTED");
  });
});

describe("review: push errors", () => {
  it("a 429 (or 404, 408, 401) without a JSON body, from a proxy or gateway, does not refuse the write", async () => {
    const server = new FakeServer();
    let pushes = 0;
    const fetchFn = (async (url: string, init: { body: string }) => {
      const body = JSON.parse(init.body);
      if (url.endsWith("/sync/push") && ++pushes === 1) {
        return new Response("<html><body>429 Too Many Requests</body></html>", { status: 429, headers: { "Content-Type": "text/html" } });
      }
      const answer = url.endsWith("/sync/pull") ? server.handlePull(body) : server.handlePush(body);
      return new Response(JSON.stringify(answer), { status: 200 });
    }) as unknown as typeof fetch;
    const transport = new HttpTransport({ server: "http://fake", auth: { getHeaders: () => ({ Authorization: "Bearer good" }) }, fetch: fetchFn });
    const d = device({ server, transport });
    await d.engine.start();
    await d.engine.pull("myNotes");
    const write = await d.engine.mutate("addNote", { id: "n1", body: "keep me" });
    await settle();
    await d.clock.advance(600_000);
    await d.engine.pull("myNotes");
    expect(d.engine.status().rejected).toEqual([]);
    expect(server.applied.map((a) => a.name)).toEqual(["addNote"]);
    expect(await state(write.confirmed)).toBe("resolved");
  });
});

describe("review: pull", () => {
  it("a reset that arrives again while a reset's pages are buffered drops the rows of the first partial load", async () => {
    const server = new FakeServer();
    const B = "B";
    const base = { buckets: [B], revokedBuckets: [], loadingBuckets: [] as string[] };
    const up = (key: string) => ({ op: "upsert" as const, collection: "notes", key, row: { id: key, body: key }, buckets: [B] });
    const script: Record<string, PullResponse> = {
      null: { ...base, cursor: "c1", hasMore: false, reset: false, loadedBuckets: [B], changes: [up("a"), up("b")] },
      // the cursor expired: a full resync starts; its first page has a and x
      c1: { ...base, cursor: "r1", hasMore: true, reset: true, loadedBuckets: [], loadingBuckets: [B], changes: [up("a"), up("x")] },
      // the load cursor expired too: the server starts over; x was deleted meanwhile, so it is never named again
      r1: { ...base, cursor: "s1", hasMore: true, reset: true, loadedBuckets: [], loadingBuckets: [B], changes: [up("a")] },
      s1: { ...base, cursor: "s2", hasMore: false, reset: false, loadedBuckets: [B], changes: [] },
    };
    server.pull = async (request) => structuredClone(script[String(request.cursor)]!);
    const d = device({ server });
    await d.engine.start();
    await d.engine.pull("myNotes");
    expect(bodies(d.shown)).toEqual({ a: "a", b: "b" });
    await d.engine.pull("myNotes");
    expect(bodies(d.shown)).toEqual({ a: "a" }); // x is not on the server
  });
});

describe("review: confirmation", () => {
  it("a rule whose pulls fail for good (UNKNOWN_SYNC_RULE) does not keep every write pending and masking newer server rows", async () => {
    const server = new FakeServer();
    const original = server.pull.bind(server);
    server.pull = async (request) => {
      if (request.syncRule === "retired") throw new NizhalError("UNKNOWN_SYNC_RULE", "no such rule", false, 404);
      return original(request);
    };
    const d = device({ server, syncRules: ["myNotes", "retired"] });
    await d.engine.start();
    await d.engine.pullAll();
    const write = await d.engine.mutate("addNote", { id: "n1", body: "mine" });
    await settle();
    await d.engine.pull("myNotes");
    // another device edits the note afterwards
    server.write({ id: "n1", body: "edited elsewhere", owner_id: "alice" });
    await d.clock.advance(600_000);
    await d.engine.pull("myNotes");
    expect(bodies(d.shown)).toEqual({ n1: "edited elsewhere" });
    expect(d.engine.status().pending).toBe(0);
    expect(await state(write.confirmed)).toBe("resolved");
  });

  it("awaitConfirmation does not resolve for a write the server refused once the refusal is dismissed", async () => {
    const d = device();
    await d.engine.start();
    await d.engine.pull("myNotes");
    const refused = await d.engine.mutate("failing", { id: "f" });
    await settle();
    expect(await state(refused.confirmed)).toBe("MUTATION_REJECTED");
    await d.engine.dismissRejected(refused.id);
    // the refusal was dismissed: the client no longer knows the outcome, and says so rather than resolving
    expect(await state(d.engine.awaitConfirmation(refused.id))).toBe("UNKNOWN_WRITE");
  });
});

describe("review: users of one browser", () => {
  it("without `user` and with opaque (non-JWT) tokens, the client refuses to keep state rather than share it between users", async () => {
    const server = new FakeServer("alice");
    const common = { server: "http://shared.example", storage: "indexeddb" as const, realtime: false, clock: new ManualClock(), pollIntervalMs: 3_600_000 };
    const errors: unknown[] = [];
    const anonymous = createNizhalClient({
      ...common,
      auth: { getHeaders: () => ({ Authorization: "Bearer opaque-alice" }) },
      transport: server,
      onError: (e) => errors.push(e),
    });
    await expect(anonymous.engine.attach("myNotes", "notes")).rejects.toThrow(/pass `user`/);
    anonymous.close();
  });

  it("with `user`, the next user of the browser gets neither the previous user's rows nor outbox", async () => {
    const aliceServer = new FakeServer("alice");
    aliceServer.write({ id: "secret", body: "alice's diary", owner_id: "alice" });
    const clock = new ManualClock();
    const common = { server: "http://shared.example", storage: "indexeddb" as const, realtime: false, clock, pollIntervalMs: 3_600_000 };
    const alice = createNizhalClient({ ...common, user: "alice", auth: { getHeaders: () => ({ Authorization: "Bearer opaque-alice" }) }, transport: aliceServer });
    await alice.engine.attach("myNotes", "notes");
    await settle();
    aliceServer.faults.push.push(...Array(20).fill("network-before"));
    await alice.engine.mutate("addNote", { id: "pending", body: "alice's unsent note" });
    await settle();
    expect([...alice.engine.snapshot("myNotes", "notes").keys()]).toEqual(["secret"]);
    expect(alice.engine.status().pending).toBe(1);
    alice.close();
    await settle();

    const bobServer = new FakeServer("bob");
    bobServer.faults.pull.push(...Array(5).fill("network-before")); // bob is offline at first
    const bob = createNizhalClient({ ...common, user: "bob", auth: { getHeaders: () => ({ Authorization: "Bearer opaque-bob" }) }, transport: bobServer });
    await bob.engine.attach("myNotes", "notes");
    await settle();
    expect([...bob.engine.snapshot("myNotes", "notes").keys()]).toEqual([]);
    expect(bob.engine.status().pending).toBe(0);
    await clock.advance(600_000);
    expect(bobServer.applied).toEqual([]); // alice's write is never sent with bob's token
    bob.close();
  });
});

describe("review: confirmation over the synced rules", () => {
  it("a write is not dropped from the outbox while a rule the client syncs (attached later, as TanStack collections are) has not confirmed it", async () => {
    const listsGate = deferred();
    const server = new FakeServer();
    const drained = (cursor: string): PullResponse => ({
      cursor, hasMore: false, reset: false, buckets: [], revokedBuckets: [], loadedBuckets: [], loadingBuckets: [], changes: [], lastMutationId: 1,
    });
    server.pull = async (request) => {
      if (request.syncRule === "lists") {
        await listsGate.promise;
        return {
          ...drained("l1"),
          changes: [{ op: "upsert", collection: "lists", key: "L1", row: { id: "L1", name: "groceries" }, buckets: [] }],
        };
      }
      return drained("m1");
    };
    const storage = new MemoryStorage();
    await storage.write(async (tx) => {
      await tx.putMeta({ clientId: "c-1", nextMutationId: 2, rejected: [] });
      // the last session: write 1 (a list) was applied by the server; neither rule has confirmed it yet
      await tx.putOutbox({
        id: 1, clientId: "c-1", name: "createList", args: { id: "L1", name: "groceries" }, createdAt: 0, status: "applied",
        effects: [{ op: "put", collection: "lists", key: "L1", row: { id: "L1", name: "groceries" } }],
      });
      await tx.putRuleState({ rule: "myNotes", cursor: "m0", held: [], confirmed: 0, ready: true });
      await tx.putRuleState({ rule: "lists", cursor: "l0", held: [], confirmed: 0, ready: true });
    });
    // as createNizhalClient builds it: no syncRules up front, each collection attaches its rule when it starts
    const d = device({ server, storage, syncRules: [], collections: {} });
    await d.engine.start();
    await d.engine.attach("myNotes", "notes");
    await settle();
    await d.engine.attach("lists", "lists"); // the lists collection starts a little later; its pull is on its way
    await settle();
    expect([...d.engine.snapshot("lists", "lists").keys()]).toEqual(["L1"]); // the write still shows
    listsGate.resolve();
    await settle();
    expect([...d.engine.snapshot("lists", "lists").keys()]).toEqual(["L1"]);
  });
});

describe("review: keys", () => {
  it("a composite key with a number part is the server's text (to_jsonb of each part: [\"L1\",3]), so an edit replaces the row", async () => {
    const server = new FakeServer();
    const key = '["L1",3]'; // SqlCompiler.rowKey: '[' || to_jsonb(list_id)::text || ',' || to_jsonb(position)::text || ']'
    server.pull = async () => ({
      cursor: "c1", hasMore: false, reset: false, buckets: ["B"], revokedBuckets: [], loadedBuckets: ["B"], loadingBuckets: [],
      changes: [{ op: "upsert", collection: "slots", key, row: { list_id: "L1", position: 3, title: "server" }, buckets: ["B"] }],
    });
    server.faults.push.push(...Array(20).fill("network-before"));
    const d = device({
      server,
      syncRules: ["lists"],
      collections: { lists: ["slots"] },
      keyColumns: { slots: ["list_id", "position"] },
      mutators: {
        renameSlot: (tx, a: { listId: string; position: number; title: string }) => {
          const row = tx.get("slots", tx.keyOf("slots", { list_id: a.listId, position: a.position }));
          if (row) tx.put("slots", { ...row, title: a.title });
        },
      },
    });
    await d.engine.start();
    await d.engine.pull("lists");
    expect(d.engine.keyOf("slots", { list_id: "L1", position: 3 })).toBe(key);
    await d.engine.mutate("renameSlot", { listId: "L1", position: 3, title: "mine" });
    expect([...d.engine.snapshot("lists", "slots").values()].map((r) => r["title"])).toEqual(["mine"]);
  });
});

describe("review: tabs that sync different rules", () => {
  it("a follower tab's rule is pulled by the leader (the follower's collection loads and its confirmed write keeps showing)", async () => {
    const server = new FakeServer();
    server.write({ id: "a", body: "on the server", owner_id: "alice" });
    const storage = new MemoryStorage();
    const channel = bus();
    // the leading tab shows only myNotes; the other tab (another page of the app) shows the rule "other"
    const leader = device({ server, storage, channel: channel() });
    const tab2 = device({ server, storage, channel: channel(), leadership: follower, syncRules: [], collections: {} });
    await leader.engine.start();
    await leader.engine.pull("myNotes");
    await tab2.engine.start();
    await tab2.engine.attach("other", "notes");
    const write = await tab2.engine.mutate("addNote", { id: "n1", body: "from tab 2" });
    await settle();
    await leader.clock.advance(60_000);
    await leader.engine.pullAll();
    await settle();
    expect(tab2.engine.isReady("other")).toBe(true);
    expect(bodies(tab2.engine.snapshot("other", "notes"))).toEqual({ a: "on the server", n1: "from tab 2" });
    expect(await state(write.confirmed)).toBe("resolved");
  });
});

describe("review: follower tabs", () => {
  it("an incremental pull in the leader reaches a follower as the changed rows, not as a truncate and rewrite of every row", async () => {
    const server = new FakeServer();
    for (let i = 0; i < 50; i++) server.write({ id: `n${i}`, body: "x", owner_id: "alice" });
    const [leader, tab2] = await twoTabs(server, new MemoryStorage());
    await leader.engine.pull("myNotes");
    await settle();
    const batches: Array<{ truncate: boolean; changes: number }> = [];
    tab2.engine.subscribe((bs) => bs.forEach((b) => batches.push({ truncate: b.truncate, changes: b.changes.length })));
    server.write({ id: "n1", body: "changed", owner_id: "alice" });
    await leader.engine.pull("myNotes");
    await settle();
    expect(bodies(tab2.shown)["n1"]).toBe("changed");
    expect(batches).toEqual([{ truncate: false, changes: 1 }]);
  });
});

describe("review: renumbering keeps applied writes showing", () => {
  it("after MUTATION_CONFLICT, a write applied under the old id keeps showing until a pull shows its row (and its promise waits for that)", async () => {
    const server = new FakeServer();
    // the old id's journal: 1 applied (ours, answer lost), 2 recorded by another install with other args
    server.handlePush({ clientId: "c-old", mutations: [{ id: 1, name: "addNote", args: { id: "n1", body: "mine" } }] });
    server.handlePush({ clientId: "c-old", mutations: [{ id: 2, name: "addNote", args: { id: "zz", body: "theirs" } }] });
    const storage = new MemoryStorage();
    await storage.write(async (tx) => {
      await tx.putMeta({ clientId: "c-old", nextMutationId: 3, rejected: [] });
      await tx.putOutbox({ id: 1, clientId: "c-old", name: "addNote", args: { id: "n1", body: "mine" }, createdAt: 0, status: "applied" });
      await tx.putOutbox({ id: 2, clientId: "c-old", name: "addNote", args: { id: "n2", body: "second" }, createdAt: 0, status: "pending" });
    });
    server.holdPulls = true; // the pull after the renumber is slow
    const d = device({ server, storage });
    await d.engine.start();
    const first = d.engine.awaitConfirmation(1);
    expect(bodies(d.shown)).toEqual({ n1: "mine", n2: "second" });
    await settle(); // push [2] → MUTATION_CONFLICT → renumber
    expect(d.engine.clientId).not.toBe("c-old");
    expect(bodies(d.shown)["n1"]).toBe("mine"); // applied on the server, not yet pulled: it must not vanish
    expect(await state(first)).toBe("pending");
    server.holdPulls = false;
    server.releaseHeld();
    await settle();
  });
});
