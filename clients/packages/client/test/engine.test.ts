import { describe, expect, it } from "vitest";
import { MemoryStorage, NizhalError, type EngineOptions, type NizhalStorage, type PullHead, type PullRequest, type PullResponse } from "../src/index.js";
import { FakeServer, ManualClock, settle } from "./fakes.js";
import { bodies, deferred, device, noteMutators, serverBodies, state } from "./harness.js";

describe("pull", () => {
  it("loads the rule's rows page by page and is ready only once drained", async () => {
    const server = new FakeServer();
    for (let i = 0; i < 25; i++) server.write({ id: `n${String(i).padStart(2, "0")}`, body: `b${i}`, owner_id: "alice" });
    server.write({ id: "x", body: "bob's", owner_id: "bob" });
    const d = device({ server, pullLimit: 10 });
    await d.engine.start();
    await d.engine.pull("myNotes");
    expect(server.pullCount).toBeGreaterThanOrEqual(3);
    expect(d.shown.size).toBe(25);
    expect(d.shown.has("x")).toBe(false);
    expect(d.ready).toEqual(["myNotes"]);
    expect(d.engine.isReady("myNotes")).toBe(true);
  });

  it("applies deletes and later changes incrementally", async () => {
    const d = device();
    d.server.write({ id: "a", body: "1", owner_id: "alice" });
    await d.engine.start();
    await d.engine.pull("myNotes");
    d.server.write({ id: "a", body: "2", owner_id: "alice" });
    d.server.write({ id: "b", body: "3", owner_id: "alice" });
    await d.engine.pull("myNotes");
    d.server.remove("b");
    await d.engine.pull("myNotes");
    expect(bodies(d.shown)).toEqual({ a: "2" });
  });

  it("on reset buffers the pages and replaces the rows in one truncating batch", async () => {
    const d = device({ pullLimit: 2 });
    for (const id of ["a", "b", "c"]) d.server.write({ id, body: id, owner_id: "alice" });
    await d.engine.start();
    await d.engine.pull("myNotes");
    d.server.truncate();
    for (const id of ["d", "e", "f", "g", "h"]) d.server.write({ id, body: id, owner_id: "alice" });
    const before = d.history.length;
    await d.engine.pull("myNotes");
    // one batch: the old rows never show beside a partial new page
    expect(d.history.length - before).toBe(1);
    expect(Object.keys(bodies(d.shown))).toEqual(["d", "e", "f", "g", "h"]);
  });

  it("drops a response whose cursor no longer matches the stored one (another tab moved it)", async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    server.write({ id: "a", body: "1", owner_id: "alice" });
    const tab1 = device({ server, storage });
    const tab2 = device({ server, storage });
    await tab1.engine.start();
    await tab2.engine.start();
    await tab1.engine.pull("myNotes");
    await tab2.engine.pull("myNotes"); // both tabs idle (a tab whose answer was stale pulls again)
    await settle();
    server.write({ id: "a", body: "2", owner_id: "alice" });
    server.holdPulls = true;
    const slow = tab1.engine.pull("myNotes"); // answered with body 2, held
    await settle();
    server.holdPulls = false;
    server.write({ id: "a", body: "3", owner_id: "alice" });
    await tab2.engine.pull("myNotes"); // applies body 3 and moves the cursor
    server.releaseHeld();
    await slow;
    expect(bodies(tab1.shown)).toEqual({ a: "3" }); // the stale answer (2) was dropped; tab1 shows what tab2 stored
    expect(bodies(tab2.shown)).toEqual({ a: "3" });
  });

  it("retries a failed pull with backoff and honours Retry-After", async () => {
    const d = device();
    d.server.write({ id: "a", body: "1", owner_id: "alice" });
    d.server.faults.pull.push("retry-after", "http500", "malformed");
    await d.engine.start();
    void d.engine.pull("myNotes");
    await settle();
    expect(d.engine.status().online).toBe(true); // a 503 is an answer
    expect(Math.min(...d.clock.pending())).toBeGreaterThanOrEqual(5000);
    await d.clock.advance(4999);
    expect(d.server.pullCount).toBe(1);
    await d.clock.advance(60_000);
    expect(d.server.pullCount).toBe(4);
    expect(bodies(d.shown)).toEqual({ a: "1" });
  });
});

describe("pull ahead", () => {
  /** A storage whose pull applies (the writes with `flush: false`) wait for `gate` when it is set; it logs them. */
  class GatedStorage extends MemoryStorage {
    gate: Promise<void> | undefined;
    failApply = false;
    constructor(readonly events: string[]) {
      super();
    }
    override async write<T>(fn: (tx: any) => Promise<T>, options?: { flush?: boolean }): Promise<T> {
      if (options?.flush !== false) return super.write(fn);
      this.events.push("store");
      if (this.gate) await this.gate;
      if (this.failApply) throw new Error("disk full");
      const result = await super.write(fn);
      this.events.push(result === undefined ? "stale" : "stored"); // a pull's apply answers nothing when stale
      return result;
    }
  }

  /** A server that logs each pull's cursor and answers the `failing`-th pull (1-based) with a 500. */
  class LoggingServer extends FakeServer {
    failing = 0;
    constructor(readonly events: string[]) {
      super();
    }
    override async pull(request: PullRequest): Promise<PullResponse> {
      this.events.push(`pull ${request.cursor === null ? "first" : JSON.parse(request.cursor).loadedUpTo ?? "loaded"}`);
      if (this.pullCount + 1 === this.failing) this.faults.pull.unshift("http500");
      return super.pull(request);
    }
  }

  function fill(server: FakeServer, rows: number) {
    for (let i = 0; i < rows; i++) server.write({ id: `n${String(i).padStart(2, "0")}`, body: `b${i}`, owner_id: "alice" });
  }

  /** A logging server with `rows` notes of alice and a gated storage, logging into one list. */
  function logged(rows: number) {
    const events: string[] = [];
    const server = new LoggingServer(events);
    fill(server, rows);
    return { events, server, storage: new GatedStorage(events) };
  }

  it("asks for the next page while it stores one, and stores the pages in order", async () => {
    const { events, server, storage } = logged(25);
    const d = device({ server, storage, pullLimit: 10 });
    await d.engine.start();
    const gate = deferred();
    storage.gate = gate.promise;
    const pulled = d.engine.pull("myNotes");
    await settle();
    // the second page is asked for as the first arrives, and the first waits to be stored
    expect(events).toEqual(["pull first", "pull n09", "store"]);
    storage.gate = undefined;
    gate.resolve();
    await pulled;
    expect(events).toEqual(["pull first", "pull n09", "store", "stored", "pull n19", "store", "stored", "store", "stored"]);
    expect(server.pullCount).toBe(3); // none asked twice: the last page (hasMore false) asks for nothing ahead
    expect(d.shown.size).toBe(25);
    expect(d.engine.isReady("myNotes")).toBe(true);
    // a reload reads what was stored
    const again = device({ server, storage: storage as MemoryStorage });
    await again.engine.start();
    expect(again.shown.size).toBe(25);
  });

  it("drops the page asked ahead when the stored one turned out stale, and pulls again from the stored cursor", async () => {
    const { events, server, storage } = logged(25);
    let twoLeads = false; // the second tab pulls only when the test says so
    const tab1 = device({ server, storage, pullLimit: 10 });
    const tab2 = device({
      server,
      storage,
      pullLimit: 10,
      leadership: { isLeader: () => twoLeads, onChange: () => undefined, close: () => undefined },
    });
    const gate = deferred();
    storage.gate = gate.promise;
    await tab2.engine.start();
    await tab1.engine.start(); // it pulls: its first page waits to be stored, the second is asked for
    await settle();
    expect(events).toEqual(["pull first", "pull n09", "store"]);
    storage.gate = undefined;
    twoLeads = true;
    await tab2.engine.pull("myNotes"); // the other tab loads everything meanwhile
    expect(events.filter((e) => e === "stored")).toHaveLength(3);
    server.write({ id: "late", body: "after tab 2", owner_id: "alice" });
    const before = events.length;
    gate.resolve();
    await tab1.engine.pull("myNotes");
    await settle();
    // tab 1's first page was stale, and the second, asked ahead, was dropped: tab 1 pulled from tab 2's cursor
    expect(events.slice(before)).toEqual(["stale", "pull loaded", "store", "stored"]);
    expect(tab1.shown.size).toBe(26);
    expect(tab1.shown.get("late")?.["body"]).toBe("after tab 2");
  });

  /** A server whose answers' heads arrive at once and their bodies when the test releases them. */
  class HeadServer extends LoggingServer {
    bodies: Array<() => void> = [];
    holdBodies = true;
    override async pull(request: PullRequest, onHead?: (head: PullHead) => void): Promise<PullResponse> {
      const answer = await super.pull(request);
      const { cursor, hasMore, reset, revokedBuckets, loadedBuckets } = answer;
      onHead?.({ cursor, hasMore, reset, revokedBuckets, loadedBuckets });
      if (this.holdBodies) await new Promise<void>((resolve) => this.bodies.push(resolve));
      return answer;
    }
    release() {
      this.bodies.splice(0).forEach((resolve) => resolve());
    }
  }

  it("asks for the next page on a page's head, one page ahead at most", async () => {
    const events: string[] = [];
    const server = new HeadServer(events);
    fill(server, 35); // four pages
    const d = device({ server, storage: new GatedStorage(events), pullLimit: 10 });
    await d.engine.start(); // it pulls
    await settle();
    // the second page is asked for on the first's head, before its body; its own head asks nothing while it waits
    expect(events).toEqual(["pull first", "pull n09"]);
    server.bodies.shift()!(); // the first page's body
    await settle();
    // stored, then the loop takes the second page, whose head had come: the third is asked for
    expect(events).toEqual(["pull first", "pull n09", "store", "stored", "pull n19"]);
    server.holdBodies = false;
    server.release();
    await settle();
    expect(events.filter((e) => e.startsWith("pull"))).toEqual(["pull first", "pull n09", "pull n19", "pull n29"]);
    expect(d.shown.size).toBe(35);
    expect(d.engine.isReady("myNotes")).toBe(true);
  });

  it("sends with the page asked ahead the held buckets the stored page leaves, and takes it", async () => {
    const server = new FakeServer();
    const page = (n: number, hasMore: boolean, buckets: Partial<PullResponse> = {}): PullResponse => ({
      cursor: `c${n}`,
      hasMore,
      reset: false,
      buckets: ["b1", "b2"],
      revokedBuckets: [],
      loadedBuckets: [],
      loadingBuckets: [],
      changes: [{ op: "upsert", collection: "notes", key: `k${n}`, row: { id: `k${n}`, body: `${n}`, owner_id: "alice" }, buckets: ["b1"] }],
      ...buckets,
    });
    const script: Record<string, PullResponse> = {
      null: page(1, true, { loadedBuckets: ["b1", "b0"] }),
      c1: page(2, true, { revokedBuckets: ["b0"], loadedBuckets: ["b2"] }),
      c2: page(3, false),
    };
    const asked: PullRequest[] = [];
    server.pull = async (request) => {
      asked.push(structuredClone(request));
      return structuredClone(script[String(request.cursor)]!);
    };
    const d = device({ server });
    await d.engine.start();
    await d.engine.pull("myNotes");
    await settle();
    // three pulls: each page asked ahead was taken, with the held buckets the page before left
    expect(asked.map((r) => [r.cursor, [...r.held].sort()])).toEqual([
      [null, []],
      ["c1", ["b0", "b1"]],
      ["c2", ["b1", "b2"]],
    ]);
    expect(bodies(d.shown)).toEqual({ k1: "1", k2: "2", k3: "3" });
  });

  it("a stopped client asks for no more pages and stores none after the one it was storing", async () => {
    const { events, server, storage } = logged(45);
    const d = device({ server, storage, pullLimit: 10 });
    const gate = deferred();
    storage.gate = gate.promise;
    await d.engine.start();
    await settle();
    expect(events).toEqual(["pull first", "pull n09", "store"]);
    d.engine.stop();
    storage.gate = undefined;
    gate.resolve();
    await settle();
    expect(events).toEqual(["pull first", "pull n09", "store", "stored"]);
  });

  it("asks again when the pull it would send differs from the one asked ahead (the app changed its bucket filter)", async () => {
    const { events, server, storage } = logged(25);
    let filter = [{ ownerId: "alice" }];
    const asked: unknown[] = [];
    const pull = server.pull.bind(server);
    server.pull = (request) => {
      asked.push(request.buckets);
      return pull(request);
    };
    const d = device({ server, storage, pullLimit: 10, bucketsForSyncRule: () => filter });
    const gate = deferred();
    storage.gate = gate.promise;
    await d.engine.start();
    await settle();
    expect(events).toEqual(["pull first", "pull n09", "store"]);
    filter = [{ ownerId: "alice" }, { ownerId: "bob" }];
    storage.gate = undefined;
    gate.resolve();
    await d.engine.pull("myNotes");
    // the second page was asked again with the new filter, and the one asked ahead with the old was dropped
    expect(events.slice(3, 6)).toEqual(["stored", "pull n09", "pull n19"]);
    expect(asked.slice(0, 3)).toEqual([[{ ownerId: "alice" }], [{ ownerId: "alice" }], filter]);
    expect(d.shown.size).toBe(25);
  });

  it("a failed page asked ahead is retried with backoff, as any failed pull", async () => {
    const events: string[] = [];
    const server = new LoggingServer(events);
    fill(server, 25);
    server.failing = 2; // the page asked ahead
    const d = device({ server, storage: new GatedStorage(events), pullLimit: 10, onError: () => undefined });
    await d.engine.start();
    await d.engine.pull("myNotes");
    expect(d.shown.size).toBe(10); // the first page is stored; the second failed
    expect(d.engine.status().lastError?.code).toBe("INTERNAL");
    await d.clock.advance(60_000);
    expect(d.shown.size).toBe(25);
    expect(d.engine.isReady("myNotes")).toBe(true);
  });

  it("a page asked ahead that fails while the stored one fails too leaves no unhandled rejection", async () => {
    const { events, server, storage } = logged(25);
    server.failing = 2;
    const d = device({ server, storage, pullLimit: 10 });
    const gate = deferred();
    storage.gate = gate.promise;
    storage.failApply = true;
    await d.engine.start(); // it pulls
    await settle(); // the page asked ahead has failed by now, and nothing waits for it yet
    expect(events).toEqual(["pull first", "pull n09", "store"]);
    storage.gate = undefined;
    gate.resolve();
    await settle();
    // the storage's failure is the pull's; the dropped page's 500 is not seen
    expect(d.engine.status().lastError?.message).toBe("disk full");
    storage.failApply = false;
    await d.clock.advance(60_000);
    expect(d.shown.size).toBe(25);
  });
});

describe("group commit", () => {
  /** A storage that counts the outbox's write transactions and refuses to keep args with `poison`. */
  class PickyStorage extends MemoryStorage {
    outboxWrites = 0;
    override write<T>(fn: (tx: any) => Promise<T>, options?: { flush?: boolean }): Promise<T> {
      return super.write(async (tx) => {
        let counted = false;
        const picky = Object.create(tx, {
          putOutbox: {
            value: async (entry: { args: { poison?: boolean } }) => {
              if (!counted) this.outboxWrites++;
              counted = true;
              if (entry.args.poison) throw new Error("DataCloneError: the args cannot be stored");
              return tx.putOutbox(entry);
            },
          },
        });
        return fn(picky);
      }, options);
    }
  }

  /** A started device over a {@link PickyStorage}, pulled once, then offline. */
  async function offline(options: Partial<EngineOptions> = {}) {
    const storage = new PickyStorage();
    const d = device({ storage, ...options });
    await d.engine.start();
    await d.engine.pull("myNotes");
    d.engine.setNetworkOnline(false);
    return { storage, d };
  }

  it("writes made without waiting share one storage transaction, with ids in the calls' order", async () => {
    const { storage, d } = await offline();
    const handles = await Promise.all(
      Array.from({ length: 50 }, (_, i) => d.engine.mutate("addNote", { id: `n${String(i).padStart(2, "0")}`, body: `b${i}` })),
    );
    expect(handles.map((h) => h.id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(storage.outboxWrites).toBeLessThanOrEqual(2); // 50 without the group commit
    const outbox = await storage.read((tx) => tx.outbox());
    expect(outbox.map((e) => [e.id, (e.args as { id: string }).id])).toEqual(handles.map((h, i) => [h.id, `n${String(i).padStart(2, "0")}`]));
    expect(d.shown.size).toBe(50);
    d.engine.setNetworkOnline(true);
    await Promise.all(handles.map((h) => h.confirmed));
    expect(d.server.applied.map((a) => a.id)).toEqual(handles.map((h) => h.id));
  });

  it("a call whose client mutator fails (and onError throws) fails alone: the other calls of its group are told and shown", async () => {
    const { storage, d } = await offline({
      mutators: {
        ...noteMutators,
        boom: () => {
          throw new Error("mutator bug");
        },
      },
      onError: (e) => {
        throw e;
      },
    });
    const outcome = (p: Promise<unknown>) => p.then(() => "ok", (e: Error) => `failed: ${e.message}`);
    const results = await Promise.all([
      outcome(d.engine.mutate("addNote", { id: "a", body: "A" })),
      outcome(d.engine.mutate("boom", { id: "b" })),
      outcome(d.engine.mutate("addNote", { id: "c", body: "C" })),
    ]);
    expect(storage.outboxWrites).toBe(1); // one group
    expect(results[0]).toBe("ok");
    expect(results[1]).toMatch(/^failed: .*boom/);
    expect(results[2]).toBe("ok");
    // all three are stored (the server decides about boom), and a and c are shown
    expect((await storage.read((tx) => tx.outbox())).map((e) => e.name)).toEqual(["addNote", "boom", "addNote"]);
    expect(bodies(d.shown)).toEqual({ a: "A", c: "C" });
  });

  it("a group takes up to 1,000 writes: more calls made at once go into the next transactions, in order", async () => {
    const { storage, d } = await offline();
    const calls = Array.from({ length: 2_500 }, (_, i) => d.engine.mutate("addNote", { id: `n${i}`, body: `${i}` }));
    const handles = await Promise.all(calls);
    expect(handles.map((h) => h.id)).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
    expect(storage.outboxWrites).toBe(3);
  });

  it("a call the storage cannot keep fails alone: the other calls of its group are stored, with no gap in the ids", async () => {
    const { storage, d } = await offline();
    const a = d.engine.mutate("addNote", { id: "a", body: "first" });
    const bad = d.engine.mutateMany([
      { name: "addNote", args: { id: "b1", body: "with b2" } },
      { name: "addNote", args: { id: "b2", body: "x", poison: true } },
    ]);
    const c = d.engine.mutate("addNote", { id: "c", body: "third" });
    const error = await bad.then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain("DataCloneError");
    expect((await a).id).toBe(1);
    expect((await c).id).toBe(2);
    const outbox = await storage.read((tx) => tx.outbox());
    expect(outbox.map((e) => (e.args as { id: string }).id)).toEqual(["a", "c"]); // nothing of the failed call
    expect(bodies(d.shown)).toEqual({ a: "first", c: "third" });
    d.engine.setNetworkOnline(true);
    await (await c).confirmed;
    expect(d.server.applied.map((w) => w.id)).toEqual([1, 2]);
  });
});

describe("optimistic writes", () => {
  it("show at once, and the confirmed row replaces the overlay in one batch (no flicker)", async () => {
    const d = device();
    await d.engine.start();
    await d.engine.pull("myNotes");
    d.server.faults.push.push("network-before"); // the first send fails: the write waits in the outbox
    const write = await d.engine.mutate("addNote", { id: "n1", body: "hello" });
    expect(bodies(d.shown)).toEqual({ n1: "hello" });
    expect(d.engine.status().pending).toBe(1);
    const pulls = d.server.pullCount;
    await d.clock.advance(60_000);
    expect(d.server.applied).toHaveLength(1);
    // applied is not confirmed: the engine pulls every rule itself, and the pulled row confirms the write
    await write.confirmed;
    expect(d.server.pullCount).toBeGreaterThan(pulls);
    expect(d.engine.status().pending).toBe(0);
    const firstShown = d.history.findIndex((h) => h.has("n1"));
    expect(d.history.slice(firstShown).every((h) => h.get("n1")?.["body"] === "hello")).toBe(true);
  });

  it("a pending write does not hold back other devices' changes", async () => {
    const d = device();
    await d.engine.start();
    await d.engine.pull("myNotes");
    d.server.faults.push.push(...Array(20).fill("network-before"));
    await d.engine.mutate("addNote", { id: "mine", body: "offline" });
    d.server.write({ id: "theirs", body: "from B", owner_id: "alice" });
    await d.engine.pull("myNotes");
    expect(bodies(d.shown)).toEqual({ mine: "offline", theirs: "from B" });
  });

  it("a refused write rolls back, its promise rejects with the server's code, and later writes go through", async () => {
    const d = device();
    await d.engine.start();
    await d.engine.pull("myNotes");
    const refused = await d.engine.mutate("failing", { id: "f" });
    const later = await d.engine.mutate("addNote", { id: "ok", body: "fine" });
    const error = await refused.confirmed.then(
      () => undefined,
      (e: NizhalError) => e,
    );
    expect(error).toBeInstanceOf(NizhalError);
    expect(error?.code).toBe("MUTATION_REJECTED");
    expect(error?.message).toBe("this write is always refused");
    expect(d.shown.has("f")).toBe(false);
    expect(d.engine.status().rejected.map((r) => [r.id, r.code])).toEqual([[1, "MUTATION_REJECTED"]]);
    await d.engine.pull("myNotes");
    await later.confirmed;
    expect(bodies(d.shown)).toEqual({ ok: "fine" });
  });

  it("edits rebase over the newest server row", async () => {
    const d = device();
    d.server.write({ id: "a", body: "v1", owner_id: "alice" });
    await d.engine.start();
    await d.engine.pull("myNotes");
    d.server.faults.push.push(...Array(10).fill("network-before"));
    await d.engine.mutate("editNote", { id: "a", body: "mine" });
    d.server.write({ id: "a", body: "theirs", owner_id: "alice" });
    await d.engine.pull("myNotes");
    expect(bodies(d.shown)).toEqual({ a: "mine" }); // the pending edit still wins locally
    await d.clock.advance(600_000);
    await d.engine.pull("myNotes");
    expect(bodies(d.shown)).toEqual({ a: "mine" });
    expect(bodies(d.shown)).toEqual(serverBodies(d.server));
  });
});

describe("outbox", () => {
  it("never loses or duplicates a write through 500s, malformed answers, cut and lost responses", async () => {
    const d = device();
    await d.engine.start();
    await d.engine.pull("myNotes");
    d.server.faults.push.push("http500", "malformed", "network-before", "lost-after", "lost-after", "http500");
    const writes = [];
    for (let i = 0; i < 30; i++) writes.push(await d.engine.mutate("addNote", { id: `n${i}`, body: `b${i}` }));
    await d.clock.advance(600_000);
    await d.engine.pull("myNotes");
    await Promise.all(writes.map((w) => w.confirmed));
    expect(d.server.applied.map((a) => a.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(bodies(d.shown)).toEqual(serverBodies(d.server));
    expect(d.engine.status().pending).toBe(0);
  });

  it("mutateMany stores its writes in one storage transaction with consecutive ids, shows them at once, and sends them in order", async () => {
    const storage = new MemoryStorage();
    const writesOf = { count: 0 };
    const counted: NizhalStorage = {
      read: (fn) => storage.read(fn),
      write: (fn, options) => {
        writesOf.count++;
        return storage.write(fn, options);
      },
      close: () => storage.close(),
    };
    const d = device({ storage: counted });
    await d.engine.start();
    await d.engine.pull("myNotes");
    const first = await d.engine.mutate("addNote", { id: "first", body: "0" });
    await d.engine.pull("myNotes");
    await first.confirmed;
    await settle();
    d.engine.setNetworkOnline(false);
    const before = writesOf.count;
    const handles = await d.engine.mutateMany(
      Array.from({ length: 250 }, (_, i) => ({ name: "addNote", args: { id: `n${i}`, body: `b${i}` } })),
    );
    expect(writesOf.count - before).toBe(1);
    expect(handles.map((h) => h.id)).toEqual(Array.from({ length: 250 }, (_, i) => i + 2));
    // shown at once, in one batch list
    expect(d.shown.size).toBe(251);
    expect(d.engine.status().unsent).toBe(250);
    const stored = await storage.read((tx) => tx.outbox());
    expect(stored.map((e) => e.id)).toEqual(Array.from({ length: 250 }, (_, i) => i + 2));
    d.engine.setNetworkOnline(true);
    await d.engine.pull("myNotes");
    await d.clock.advance(60_000);
    await Promise.all(handles.map((h) => h.confirmed));
    expect(d.server.applied.map((a) => a.id)).toEqual(Array.from({ length: 251 }, (_, i) => i + 1));
    expect(bodies(d.shown)).toEqual(serverBodies(d.server));
    expect(await d.engine.mutateMany([])).toEqual([]);
  });

  it("mutateMany keeps every stored write in the outbox and shown when a later one's client mutator reports a throw", async () => {
    // an app's onError that throws (this harness's does) fails the call whose client mutator failed; the stored
    // writes must still all be sent, and the others shown
    let rethrow = true;
    const d = device({
      mutators: { ...noteMutators, boom: () => { throw new Error("boom"); } },
      onError: (e) => {
        if (rethrow) throw e;
      },
    });
    await d.engine.start();
    await d.engine.pull("myNotes");
    d.engine.setNetworkOnline(false);
    await expect(
      d.engine.mutateMany([
        { name: "addNote", args: { id: "a", body: "a" } },
        { name: "boom", args: {} },
        { name: "addNote", args: { id: "c", body: "c" } },
      ]),
    ).rejects.toThrow("boom");
    rethrow = false;
    expect(bodies(d.shown)).toEqual({ a: "a", c: "c" });
    const later = await d.engine.mutate("addNote", { id: "d", body: "d" });
    d.engine.setNetworkOnline(true);
    for (let i = 0; i < 3; i++) {
      await d.clock.advance(120_000);
      await d.engine.pullAll();
    }
    await later.confirmed;
    // 2 ("boom") has no mutator on the server: refused; the others applied, in order
    expect(d.server.applied.map((a) => a.id)).toEqual([1, 3, 4]);
    expect(bodies(d.shown)).toEqual({ a: "a", c: "c", d: "d" });
  });

  it("mutateMany stores none of its writes when its storage transaction fails", async () => {
    const storage = new MemoryStorage();
    let fail = false;
    const failing: NizhalStorage = {
      read: (fn) => storage.read(fn),
      write: (fn, options) =>
        storage.write(async (tx) => {
          const result = await fn(tx);
          if (fail) throw new Error("the disk is full (simulated)");
          return result;
        }, options),
      close: () => storage.close(),
    };
    const d = device({ storage: failing, onError: () => undefined });
    await d.engine.start();
    await d.engine.pull("myNotes");
    d.engine.setNetworkOnline(false);
    fail = true;
    await expect(
      d.engine.mutateMany([
        { name: "addNote", args: { id: "a", body: "a" } },
        { name: "addNote", args: { id: "b", body: "b" } },
      ]),
    ).rejects.toThrow("disk is full");
    fail = false;
    expect(await storage.read((tx) => tx.outbox())).toEqual([]);
    expect(d.shown.size).toBe(0);
    expect((await d.engine.mutate("addNote", { id: "c", body: "c" })).id).toBe(1);
  });

  it("sends batches of at most 100 in id order", async () => {
    const d = device();
    await d.engine.start();
    d.server.faults.push.push("network-before");
    for (let i = 0; i < 250; i++) await d.engine.mutate("addNote", { id: `n${i}`, body: "x" });
    const pushes: number[][] = [];
    const original = d.server.handlePush.bind(d.server);
    d.server.handlePush = (request) => {
      pushes.push(request.mutations.map((m) => m.id));
      return original(request);
    };
    await d.clock.advance(60_000);
    expect(pushes.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(pushes.flat()).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
  });

  it("on MUTATION_ORDER sends the ids the server never got as nizhal.skip", async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    // the client's counter is ahead of the server: entries 1..3 were lost locally
    await storage.write(async (tx) => tx.putMeta({ clientId: "c-gap", nextMutationId: 4, rejected: [] }));
    const d = device({ server, storage });
    await d.engine.start();
    const write = await d.engine.mutate("addNote", { id: "a", body: "after the gap" });
    await settle();
    await d.engine.pull("myNotes");
    await write.confirmed;
    const journal = server.journals.get("c-gap")!;
    expect([...journal.outcomes.keys()]).toEqual([1, 2, 3, 4]);
    expect(journal.outcomes.get(1)!.outcome.status).toBe("rejected");
    expect(server.applied).toEqual([{ clientId: "c-gap", id: 4, name: "addNote" }]);
  });

  it("on MUTATION_CONFLICT continues under a new client id and keeps its pending writes", async () => {
    const server = new FakeServer();
    // another install used this client id before the local storage was lost
    server.handlePush({ clientId: "c-reused", mutations: [{ id: 1, name: "addNote", args: { id: "old", body: "old" } }] });
    const storage = new MemoryStorage();
    await storage.write(async (tx) => tx.putMeta({ clientId: "c-reused", nextMutationId: 1, rejected: [] }));
    const d = device({ server, storage });
    await d.engine.start();
    const write = await d.engine.mutate("addNote", { id: "new", body: "mine" });
    await settle();
    expect(d.engine.clientId).not.toBe("c-reused");
    await d.engine.pull("myNotes");
    await write.confirmed;
    expect(server.applied.at(-1)).toEqual({ clientId: d.engine.clientId, id: 1, name: "addNote" });
    expect(bodies(d.shown)).toEqual({ new: "mine", old: "old" });
  });

  it("survives a restart: rows, cursor and pending writes come back from storage", async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    server.write({ id: "a", body: "synced", owner_id: "alice" });
    const first = device({ server, storage });
    await first.engine.start();
    await first.engine.pull("myNotes");
    server.faults.push.push(...Array(5).fill("network-before"));
    await first.engine.mutate("addNote", { id: "b", body: "offline" });
    first.engine.stop();

    const again = device({ server, storage });
    await again.engine.start();
    expect(bodies(again.shown)).toEqual({ a: "synced", b: "offline" });
    expect(again.ready).toEqual(["myNotes"]); // shown as ready from storage, offline
    expect(again.engine.status().pending).toBe(1);
    await again.clock.advance(600_000);
    await again.engine.pull("myNotes");
    expect(server.applied).toHaveLength(1);
    expect(again.engine.status().pending).toBe(0);
    expect(server.pullCount).toBeGreaterThan(1);
  });
});

describe("realtime", () => {
  it("pulls once on ready and on each poke; reconnects after 4401 with fresh credentials", async () => {
    const server = new FakeServer();
    const clock = new ManualClock();
    let token = "expired";
    let refreshed = 0;
    const d = device({
      server,
      clock,
      realtime: true,
      auth: { getHeaders: () => ({ Authorization: `Bearer ${token}` }), onUnauthenticated: () => { refreshed++; token = "good"; } },
    });
    await d.engine.start();
    await settle();
    expect(refreshed).toBe(1); // the first hello was refused with 4401
    await clock.advance(5_000);
    expect(d.engine.status().streaming).toBe(true);
    const pulls = server.pullCount;
    server.write({ id: "p", body: "poked", owner_id: "alice" });
    server.poke();
    await settle();
    expect(server.pullCount).toBe(pulls + 1);
    expect(bodies(d.shown)).toEqual({ p: "poked" });
  });

  it("without a stream, pulls on an interval", async () => {
    const server = new FakeServer();
    server.streamAccepts = false;
    const d = device({ server, realtime: true, pollIntervalMs: 10_000 });
    await d.engine.start();
    await settle();
    server.write({ id: "q", body: "polled", owner_id: "alice" });
    await d.clock.advance(10_001);
    expect(bodies(d.shown)).toEqual({ q: "polled" });
  });
});

describe("buckets", () => {
  it("keeps held from loadedBuckets, each row's bucket set, and drops rows of revoked buckets", async () => {
    const server = new FakeServer();
    const requests: Array<{ cursor: string | null; held: string[] }> = [];
    const script = [
      {
        cursor: "c1", hasMore: false, reset: false, buckets: ["A", "B"], revokedBuckets: [], loadedBuckets: ["A", "B"], loadingBuckets: [],
        changes: [
          { op: "upsert" as const, collection: "notes", key: "both", row: { id: "both", body: "in A and B" }, buckets: ["A", "B"] },
          { op: "upsert" as const, collection: "notes", key: "onlyA", row: { id: "onlyA", body: "in A" }, buckets: ["A"] },
        ],
      },
      { cursor: "c2", hasMore: false, reset: false, buckets: ["B"], revokedBuckets: ["A"], loadedBuckets: [], loadingBuckets: [], changes: [] },
      { cursor: "c3", hasMore: false, reset: false, buckets: ["B"], revokedBuckets: [], loadedBuckets: [], loadingBuckets: [], changes: [] },
    ];
    server.pull = async (request) => {
      requests.push({ cursor: request.cursor, held: [...request.held].sort() });
      return structuredClone(script[requests.length - 1]!);
    };
    const d = device({ server });
    await d.engine.start();
    await d.engine.pull("myNotes");
    expect(bodies(d.shown)).toEqual({ both: "in A and B", onlyA: "in A" });
    await d.engine.pull("myNotes");
    expect(bodies(d.shown)).toEqual({ both: "in A and B" }); // still in B
    await d.engine.pull("myNotes");
    expect(requests).toEqual([
      { cursor: null, held: [] },
      { cursor: "c1", held: ["A", "B"] },
      { cursor: "c2", held: ["B"] },
    ]);
    const stored = await d.storage.read((tx) => tx.rows("myNotes"));
    expect(stored.map((r) => [r.key, r.buckets])).toEqual([["both", ["B"]]]);
  });
});

describe("discard", () => {
  it("drops an unsent write: its effect goes, its id goes out as nizhal.skip, its promise rejects", async () => {
    const d = device();
    await d.engine.start();
    await d.engine.pull("myNotes");
    d.engine.setNetworkOnline(false);
    const kept = await d.engine.mutate("addNote", { id: "kept", body: "stays" });
    const dropped = await d.engine.mutate("addNote", { id: "dropped", body: "goes" });
    expect(bodies(d.shown)).toEqual({ dropped: "goes", kept: "stays" });
    expect(await d.engine.discard(dropped.id)).toBe(true);
    expect(bodies(d.shown)).toEqual({ kept: "stays" });
    await expect(dropped.confirmed).rejects.toMatchObject({ code: "MUTATION_SKIPPED" });
    d.engine.setNetworkOnline(true);
    await kept.confirmed;
    const journal = d.server.journals.get(d.engine.clientId)!;
    expect([...journal.outcomes].map(([id, o]) => [id, o.outcome.status])).toEqual([[1, "applied"], [2, "rejected"]]);
    expect(d.server.rows.has("dropped")).toBe(false);
    expect(await d.engine.discard(kept.id)).toBe(false); // sent already
  });
});

describe("stop", () => {
  it("rejects the promises of unconfirmed writes with CLIENT_STOPPED; the writes stay stored and the next client sends them", async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    const first = device({ server, storage });
    await first.engine.start();
    await first.engine.pull("myNotes");
    first.engine.setNetworkOnline(false);
    const write = await first.engine.mutate("addNote", { id: "a", body: "offline" });
    first.engine.stop();
    expect(await state(write.confirmed)).toBe("CLIENT_STOPPED");
    const error = await write.confirmed.catch((e: NizhalError) => e);
    expect(error).toBeInstanceOf(NizhalError);
    expect(error).toMatchObject({ code: "CLIENT_STOPPED", retryable: false });
    expect(error?.message).toContain("stays in the outbox");
    await expect(first.engine.awaitConfirmation(write.id)).rejects.toMatchObject({ code: "CLIENT_STOPPED" });
    await expect(first.engine.mutate("addNote", { id: "b", body: "too late" })).rejects.toMatchObject({
      code: "CLIENT_STOPPED",
      message: "the client is stopped: the write addNote was not made",
    });

    const again = device({ server, storage });
    await again.engine.start();
    const confirmed = again.engine.awaitConfirmation(write.id);
    await settle();
    await confirmed;
    expect(server.applied).toEqual([{ clientId: again.engine.clientId, id: 1, name: "addNote" }]);
    expect(bodies(again.shown)).toEqual({ a: "offline" });
  });
});
