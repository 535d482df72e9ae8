// idb reaches IndexedDB's classes (IDBDatabase, IDBRequest, IDBKeyRange, ...) as globals: fake-indexeddb provides
// them in Node. Each test still opens its databases in a factory of its own, so no test sees another's data.
import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import FDBTransaction from "fake-indexeddb/lib/FDBTransaction";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryStorage, type Meta, type NizhalStorage, type OutboxEntry, type StorageTx, type StoredRow } from "../src/index.js";
import { IndexedDbStorage } from "../src/indexeddb.js";

/** Two handles on one storage: two tabs of one browser profile (the same handle twice where there are no tabs). */
interface Tabs {
  one: NizhalStorage;
  two: NizhalStorage;
}

interface Subject {
  name: string;
  open(): Promise<Tabs>;
}

const opened: NizhalStorage[] = [];

afterEach(() => {
  for (const storage of opened.splice(0)) storage.close();
});

const memory: Subject = {
  name: "MemoryStorage",
  async open() {
    const storage = new MemoryStorage();
    opened.push(storage);
    return { one: storage, two: storage };
  },
};

const indexedDb: Subject = {
  name: "IndexedDbStorage (fake-indexeddb)",
  async open() {
    const factory = new IDBFactory();
    const one = await IndexedDbStorage.open("nizhal:http://localhost:4000:alice", factory);
    const two = await IndexedDbStorage.open("nizhal:http://localhost:4000:alice", factory);
    opened.push(one, two);
    return { one, two };
  },
};

const meta = (over: Partial<Meta> = {}): Meta => ({ clientId: "c-1", nextMutationId: 1, rejected: [], ...over });

const row = (rule: string, collection: string, key: string, value: Record<string, unknown> = {}): StoredRow => ({
  rule,
  collection,
  key,
  row: { id: key, ...value },
  buckets: [`${rule}["u1"]`],
});

const entry = (id: number, over: Partial<OutboxEntry> = {}): OutboxEntry => ({
  id,
  clientId: "c-1",
  name: "addNote",
  args: { id: `n${id}`, body: `body ${id}` },
  createdAt: 1_000 + id,
  status: "pending",
  ...over,
});

const byId = (rows: StoredRow[]) =>
  rows.map((r) => `${r.rule}|${r.collection}|${r.key}`).sort();

/** Everything in the storage, for "nothing changed" assertions. */
async function snapshot(storage: NizhalStorage, rules: string[]) {
  return storage.read(async (tx) => ({
    meta: await tx.meta(),
    rules: await Promise.all(rules.map((r) => tx.ruleState(r))),
    rows: Object.fromEntries(await Promise.all(rules.map(async (r) => [r, byId(await tx.rows(r))] as const))),
    outbox: await tx.outbox(),
  }));
}

/**
 * A write as the engine makes one: read the meta, take its next mutation id, store the incremented meta and append
 * the entry, all in one write transaction.
 */
function allocate(storage: NizhalStorage, tab: string): Promise<number> {
  return storage.write(async (tx) => {
    const current = (await tx.meta()) ?? meta();
    const id = current.nextMutationId;
    await tx.putMeta({ ...current, nextMutationId: id + 1 });
    await tx.putOutbox(entry(id, { name: tab }));
    return id;
  });
}

/** Each tab writes `perTab` times in sequence, the tabs at the same time; the ids each tab got, in its order. */
async function twoTabsWriting(tabs: Tabs, perTab: number, write: (s: NizhalStorage, tab: string) => Promise<number>) {
  const run = async (storage: NizhalStorage, tab: string) => {
    const ids: number[] = [];
    for (let i = 0; i < perTab; i++) ids.push(await write(storage, tab));
    return ids;
  };
  const [one, two] = await Promise.all([run(tabs.one, "one"), run(tabs.two, "two")]);
  return { one, two };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.each([memory, indexedDb])("$name", (subject) => {
  it("starts empty", async () => {
    const { one } = await subject.open();
    expect(await snapshot(one, ["myNotes"])).toEqual({
      meta: undefined,
      rules: [undefined],
      rows: { myNotes: [] },
      outbox: [],
    });
    expect(await one.read((tx) => tx.row("myNotes", "notes", "a"))).toBeUndefined();
  });

  it("keeps meta, rule state, rows and outbox entries as written, for later transactions and the other tab", async () => {
    const tabs = await subject.open();
    const stored = meta({
      clientId: "c-7f3a",
      nextMutationId: 42,
      rejected: [
        { id: 3, clientId: "c-7f3a", name: "editNote", args: { id: "n1" }, code: "MUTATION_REJECTED", message: "no",
          details: { reason: "NOT_FOUND" }, at: 1234 },
      ],
    });
    const state = { rule: "myNotes", cursor: "cur-9", held: ['myNotes["u1"]'], confirmed: 41, ready: true };
    const note = row("myNotes", "notes", "n1", { body: "é 🙂", tags: ["a", null], doc: { x: [1, { y: null }] }, n: 1.5 });
    const pending = entry(42, { effects: [{ op: "put", collection: "notes", key: "n1", row: { id: "n1", body: "x" } },
      { op: "delete", collection: "notes", key: "n2" }] });
    await tabs.one.write(async (tx) => {
      await tx.putMeta(stored);
      await tx.putRuleState(state);
      await tx.putRow(note);
      await tx.putOutbox(pending);
    });
    for (const storage of [tabs.one, tabs.two]) {
      await storage.read(async (tx) => {
        expect(await tx.meta()).toEqual(stored);
        expect(await tx.ruleState("myNotes")).toEqual(state);
        expect(await tx.ruleState("other")).toBeUndefined();
        expect(await tx.row("myNotes", "notes", "n1")).toEqual(note);
        expect(await tx.rows("myNotes")).toEqual([note]);
        expect(await tx.outbox()).toEqual([pending]);
      });
    }
  });

  it("hands out copies: changing what a transaction returned or was given changes nothing stored", async () => {
    const { one } = await subject.open();
    const given = meta({ clientId: "c-1" });
    const note = row("r", "notes", "a", { body: "1" });
    await one.write(async (tx) => {
      await tx.putMeta(given);
      await tx.putRow(note);
    });
    given.clientId = "changed";
    note.row.body = "changed";
    const read = await one.read(async (tx) => ({ meta: await tx.meta(), row: await tx.row("r", "notes", "a") }));
    read.meta!.nextMutationId = 99;
    read.row!.row.body = "changed again";
    expect(await one.read((tx) => tx.meta())).toEqual(meta({ clientId: "c-1" }));
    expect((await one.read((tx) => tx.row("r", "notes", "a")))?.row).toEqual({ id: "a", body: "1" });
  });

  it("replaces a row with the same rule, collection and key, and keeps those that differ in any of them", async () => {
    const { one } = await subject.open();
    await one.write(async (tx) => {
      await tx.putRow(row("r", "notes", "a", { v: 1 }));
      await tx.putRow(row("r", "notes", "a", { v: 2 }));
      await tx.putRow(row("r", "lists", "a", { v: 3 }));
      await tx.putRow(row("s", "notes", "a", { v: 4 }));
      // a composite key is the JSON array as text; it must not collide with a collection/key split elsewhere
      await tx.putRow(row("r", "notes", '["a","b"]', { v: 5 }));
    });
    await one.read(async (tx) => {
      expect((await tx.row("r", "notes", "a"))?.row.v).toBe(2);
      expect((await tx.row("r", "lists", "a"))?.row.v).toBe(3);
      expect((await tx.row("s", "notes", "a"))?.row.v).toBe(4);
      expect((await tx.row("r", "notes", '["a","b"]'))?.row.v).toBe(5);
      expect(byId(await tx.rows("r"))).toEqual(['r|lists|a', 'r|notes|["a","b"]', "r|notes|a"]);
    });
    await one.write((tx) => tx.deleteRow("r", "notes", "a"));
    await one.read(async (tx) => {
      expect(await tx.row("r", "notes", "a")).toBeUndefined();
      expect(byId(await tx.rows("r"))).toEqual(['r|lists|a', 'r|notes|["a","b"]']);
      expect(byId(await tx.rows("s"))).toEqual(["s|notes|a"]);
    });
    // deleting what is not there is fine
    await one.write((tx) => tx.deleteRow("r", "notes", "missing"));
  });

  it("rows(rule) and clearRows(rule) touch only that rule, also when rule names share a prefix", async () => {
    const { one } = await subject.open();
    const rules = ["a", "ab", "a[", "b", ""];
    await one.write(async (tx) => {
      for (const rule of rules) {
        await tx.putRow(row(rule, "notes", "1"));
        await tx.putRow(row(rule, "todos", "2"));
        await tx.putRuleState({ rule, cursor: `c-${rule}`, held: [], confirmed: 0, ready: true });
      }
    });
    await one.read(async (tx) => {
      for (const rule of rules) expect(byId(await tx.rows(rule))).toEqual([`${rule}|notes|1`, `${rule}|todos|2`]);
      expect(await tx.rows("abc")).toEqual([]);
    });

    await one.write((tx) => tx.clearRows("a"));
    const after = await snapshot(one, rules);
    expect(after.rows).toEqual({
      a: [],
      ab: ["ab|notes|1", "ab|todos|2"],
      "a[": ["a[|notes|1", "a[|todos|2"],
      b: ["b|notes|1", "b|todos|2"],
      "": ["|notes|1", "|todos|2"],
    });
    // clearRows drops rows only: the rule's cursor stays
    expect(after.rules.map((s) => s?.cursor)).toEqual(rules.map((r) => `c-${r}`));

    await one.write((tx) => tx.clearRows("ab"));
    expect((await snapshot(one, rules)).rows).toEqual({
      a: [],
      ab: [],
      "a[": ["a[|notes|1", "a[|todos|2"],
      b: ["b|notes|1", "b|todos|2"],
      "": ["|notes|1", "|todos|2"],
    });
  });

  it("lists the outbox, or a range of its ids, in numeric id order and deletes entries by id", async () => {
    const { one } = await subject.open();
    await one.write(async (tx) => {
      for (const id of [10, 2, 1, 3, 100]) await tx.putOutbox(entry(id));
      await tx.putOutbox(entry(3, { status: "applied" }));
    });
    await one.read(async (tx) => {
      expect((await tx.outbox()).map((e) => e.id)).toEqual([1, 2, 3, 10, 100]);
      expect((await tx.outbox()).find((e) => e.id === 3)?.status).toBe("applied");
    });
    await one.read(async (tx) => {
      expect((await tx.outboxRange(2, 10)).map((e) => [e.id, e.status])).toEqual([[2, "pending"], [3, "applied"], [10, "pending"]]);
      expect((await tx.outboxRange(3, 3)).map((e) => e.id)).toEqual([3]);
      expect(await tx.outboxRange(4, 9)).toEqual([]);
      expect(await tx.outboxRange(10, 2)).toEqual([]);
    });
    await one.write((tx) => tx.deleteOutbox(2));
    expect((await one.read((tx) => tx.outbox())).map((e) => e.id)).toEqual([1, 3, 10, 100]);
    await one.write((tx) => tx.deleteOutboxRange(3, 99));
    expect((await one.read((tx) => tx.outbox())).map((e) => e.id)).toEqual([1, 100]);
    await one.write((tx) => tx.deleteOutboxRange(5, 4)); // an empty range
    expect((await one.read((tx) => tx.outbox())).map((e) => e.id)).toEqual([1, 100]);
    await one.write((tx) => tx.clearOutbox());
    expect(await one.read((tx) => tx.outbox())).toEqual([]);
  });

  it("returns what the write function returns", async () => {
    const { one } = await subject.open();
    expect(await one.write(async (tx) => (await tx.meta()) ?? "none")).toBe("none");
    expect(await allocate(one, "one")).toBe(1);
    expect(await allocate(one, "one")).toBe(2);
  });

  it("leaves nothing behind of a write transaction whose function throws", async () => {
    const { one, two } = await subject.open();
    await one.write(async (tx) => {
      await tx.putMeta(meta({ nextMutationId: 5 }));
      await tx.putRuleState({ rule: "r", cursor: "c1", held: ["b1"], confirmed: 4, ready: true });
      await tx.putRow(row("r", "notes", "keep"));
      await tx.putRow(row("s", "notes", "keep"));
      await tx.putOutbox(entry(4));
    });
    const before = await snapshot(one, ["r", "s"]);

    const failure = new Error("the mutator's effect failed");
    await expect(
      one.write(async (tx) => {
        await tx.putMeta(meta({ nextMutationId: 6 }));
        await tx.putRuleState({ rule: "r", cursor: "c2", held: [], confirmed: 5, ready: false });
        await tx.putRow(row("r", "notes", "new"));
        await tx.deleteRow("s", "notes", "keep");
        await tx.clearRows("r");
        await tx.putOutbox(entry(5));
        await tx.deleteOutbox(4);
        await tx.deleteOutboxRange(1, 10);
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(one.write(async (tx) => {
      await tx.clearOutbox();
      throw failure;
    })).rejects.toBe(failure);

    expect(await snapshot(one, ["r", "s"])).toEqual(before);
    expect(await snapshot(two, ["r", "s"])).toEqual(before);
    // and the storage still works
    expect(await allocate(two, "two")).toBe(5);
  });

  it("refuses writes in a read transaction", async () => {
    const { one } = await subject.open();
    const writes: Array<(tx: StorageTx) => Promise<void>> = [
      (tx) => tx.putMeta(meta()),
      (tx) => tx.putRuleState({ rule: "r", cursor: null, held: [], confirmed: 0, ready: false }),
      (tx) => tx.putRow(row("r", "notes", "a")),
      (tx) => tx.deleteRow("r", "notes", "a"),
      (tx) => tx.clearRows("r"),
      (tx) => tx.putOutbox(entry(1)),
      (tx) => tx.deleteOutbox(1),
      (tx) => tx.deleteOutboxRange(1, 2),
      (tx) => tx.clearOutbox(),
    ];
    for (const write of writes) await expect(one.read(write)).rejects.toThrow();
    expect(await snapshot(one, ["r"])).toEqual({ meta: undefined, rules: [undefined], rows: { r: [] }, outbox: [] });
  });

  it("gives contiguous mutation ids, no gap and no duplicate, to two tabs writing at the same time", async () => {
    const tabs = await subject.open();
    const perTab = 40;
    const got = await twoTabsWriting(tabs, perTab, allocate);

    const all = [...got.one, ...got.two].sort((a, b) => a - b);
    expect(all).toEqual(range(1, 2 * perTab));
    // each tab's writes take ids in the order it made them
    for (const ids of [got.one, got.two]) expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const stored = await tabs.two.read(async (tx) => ({ meta: await tx.meta(), outbox: await tx.outbox() }));
    expect(stored.meta?.nextMutationId).toBe(2 * perTab + 1);
    expect(stored.outbox.map((e) => e.id)).toEqual(range(1, 2 * perTab));
    // the outbox records which tab wrote each id, as the tabs were told
    expect(stored.outbox.filter((e) => e.name === "one").map((e) => e.id)).toEqual(got.one);
  });

  it("(control) the same allocation split over a read and a write transaction does give duplicates", async () => {
    // shows that the tabs above really interleave: without one transaction the ids collide
    const tabs = await subject.open();
    const split = async (storage: NizhalStorage, tab: string) => {
      const current = (await storage.read((tx) => tx.meta())) ?? meta();
      const id = current.nextMutationId;
      await storage.write(async (tx) => {
        await tx.putMeta({ ...current, nextMutationId: id + 1 });
        await tx.putOutbox(entry(id, { name: tab }));
      });
      return id;
    };
    const got = await twoTabsWriting(tabs, 10, split);
    const all = [...got.one, ...got.two];
    expect(new Set(all).size).toBeLessThan(all.length);
  });
});

describe("IndexedDbStorage", () => {
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  /** The errors IndexedDB raises for a request on a transaction that has already committed. */
  const inactive = /TransactionInactiveError|InvalidStateError/;

  async function failure(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (e) {
      return e as Error;
    }
    throw new Error("expected the write transaction to fail");
  }

  it("fails, storing nothing, when a write function awaits something else between its read and its writes", async () => {
    const { one, two } = await indexedDb.open();
    await allocate(one, "one");
    const before = await snapshot(one, []);

    const error = await failure(
      one.write(async (tx) => {
        const current = (await tx.meta())!;
        await sleep(10); // e.g. a fetch or a timer: IndexedDB commits the transaction here
        await tx.putMeta({ ...current, nextMutationId: current.nextMutationId + 1 });
        await tx.putOutbox(entry(current.nextMutationId));
      }),
    );
    expect(error.name).toMatch(inactive);
    expect(await snapshot(one, [])).toEqual(before);
    // the other tab's allocation meanwhile is not disturbed
    expect(await allocate(two, "two")).toBe(2);
  });

  it("fails loudly, not with a silent half, when a write function awaits something else between two writes", async () => {
    const { one } = await indexedDb.open();
    const error = await failure(
      one.write(async (tx) => {
        await tx.putMeta(meta({ nextMutationId: 2 }));
        await Promise.resolve(); // microtasks are fine: the transaction is still active
        await sleep(10);
        await tx.putOutbox(entry(1));
      }),
    );
    expect(error.name).toMatch(inactive);
    // IndexedDB has already committed what came before the foreign await (no API can take that back): the write
    // rejects, so the caller learns of it instead of taking the transaction for done
    const stored = await snapshot(one, []);
    expect(stored.outbox).toEqual([]);
  });

  it("lets a write function await its own requests and microtasks any number of times", async () => {
    const { one } = await indexedDb.open();
    const id = await one.write(async (tx) => {
      const current = (await tx.meta()) ?? meta();
      for (let i = 0; i < 5; i++) await Promise.resolve();
      await tx.putMeta({ ...current, nextMutationId: current.nextMutationId + 1 });
      await Promise.all([tx.putOutbox(entry(current.nextMutationId)), tx.putRow(row("r", "notes", "a"))]);
      await tx.outbox();
      return current.nextMutationId;
    });
    expect(id).toBe(1);
    expect((await snapshot(one, ["r"])).outbox.map((e) => e.id)).toEqual([1]);
  });

  it("keeps its state across closing and opening the database again (a reload)", async () => {
    const factory = new IDBFactory();
    const first = await IndexedDbStorage.open("nizhal:reload", factory);
    await allocate(first, "one");
    await first.write((tx) => tx.putRow(row("r", "notes", "a")));
    first.close();
    const second = await IndexedDbStorage.open("nizhal:reload", factory);
    opened.push(second);
    expect(await snapshot(second, ["r"])).toMatchObject({
      meta: { nextMutationId: 2 },
      rows: { r: ["r|notes|a"] },
      outbox: [{ id: 1 }],
    });
    // another name is another database: another user of the same browser starts empty
    const other = await IndexedDbStorage.open("nizhal:reload:bob", factory);
    opened.push(other);
    expect(await snapshot(other, ["r"])).toEqual({ meta: undefined, rules: [undefined], rows: { r: [] }, outbox: [] });
  });

  /** The records of a store, read with IndexedDB itself (the storage closed first). */
  async function records(factory: IDBFactory, name: string, store: string): Promise<unknown[]> {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      return await new Promise<unknown[]>((resolve, reject) => {
        const request = db.transaction(store, "readonly").objectStore(store).getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    } finally {
      db.close();
    }
  }

  it("keeps the rows of a write in a few records, not a record a row", async () => {
    const factory = new IDBFactory();
    const storage = await IndexedDbStorage.open("nizhal:segments", factory);
    await storage.write(async (tx) => {
      await Promise.all(range(1, 2_500).map((i) => tx.putRow(row("r", "notes", `n${i}`, { i }))));
      await tx.putRow(row("s", "notes", "other"));
    });
    await storage.write((tx) => tx.deleteRow("r", "notes", "n7"));
    expect((await storage.read((tx) => tx.rows("r"))).length).toBe(2_499);
    storage.close();
    const segments = (await records(factory, "nizhal:segments", "segments")) as Array<{ rule: string; entries: unknown[] }>;
    expect(segments.map((s) => `${s.rule}:${s.entries.length}`)).toEqual(["r:1000", "r:1000", "r:500", "r:1", "s:1"]);
  });

  it("replays any mix of writes, clears and reloads as a record a row would keep them (against MemoryStorage)", async () => {
    const factory = new IDBFactory();
    let idb = await IndexedDbStorage.open("nizhal:model", factory);
    const model = new MemoryStorage();
    opened.push(model);
    const seed = 20_261_207;
    let state = seed;
    const random = (n: number) => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state % n;
    };
    const rules = ["r", "s"];
    for (let round = 0; round < 400; round++) {
      // mostly small writes (a compaction comes after a thousand entries), now and then a large one or a clear
      const size = random(20) === 0 ? 300 + random(1_500) : 1 + random(8);
      const ops = Array.from({ length: size }, () => {
        const rule = rules[random(2)]!;
        const key = `k${random(size > 100 ? 2_000 : 60)}`;
        const kind = random(10);
        const collection = random(3) === 0 ? "lists" : "notes";
        return kind < 6 ? { put: row(rule, collection, key, { round }) } : kind < 9 ? { rule, collection, key } : { clear: rule };
      });
      const clears = random(15) === 0;
      const apply = (storage: NizhalStorage) =>
        storage.write(async (tx) => {
          for (const op of ops) {
            if ("put" in op) await tx.putRow(op.put!);
            else if ("clear" in op) {
              if (clears) await tx.clearRows(op.clear!);
            } else await tx.deleteRow(op.rule!, op.collection!, op.key!);
          }
          // reads inside the transaction see its own writes
          return Promise.all(rules.map(async (r) => byId(await tx.rows(r))));
        });
      const inIdb = await apply(idb);
      const inModel = await apply(model);
      expect(inIdb, `round ${round} (seed ${seed})`).toEqual(inModel);
      if (random(40) === 0) {
        idb.close();
        idb = await IndexedDbStorage.open("nizhal:model", factory);
      }
      const stored = await idb.read(async (tx) => Promise.all(rules.map(async (r) => (await tx.rows(r)).map((x) => JSON.stringify(x)).sort())));
      const expected = await model.read(async (tx) => Promise.all(rules.map(async (r) => (await tx.rows(r)).map((x) => JSON.stringify(x)).sort())));
      expect(stored, `round ${round} (seed ${seed})`).toEqual(expected);
    }
    idb.close();
    // compactions kept the records few: far fewer segments than the 400 writes made
    const segments = (await records(factory, "nizhal:model", "segments")) as unknown[];
    expect(segments.length).toBeLessThan(200);
    expect(segments.length).toBeGreaterThan(0);
  }, 120_000);

  it("merges many small writes' segments without reading or rewriting the rule's base", async () => {
    const factory = new IDBFactory();
    const storage = await IndexedDbStorage.open("nizhal:tail", factory);
    const model = new Map<string, number>();
    await storage.write(async (tx) => {
      for (let i = 0; i < 3_000; i++) {
        await tx.putRow(row("r", "notes", `k${i}`, { v: -1 }));
        model.set(`k${i}`, -1);
      }
    });
    // what each write reads of the rule's segments
    const reads = segmentReads();
    let mostRead = 0;
    let state = 7;
    try {
      for (let w = 0; w < 1_300; w++) {
        state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
        const key = `k${state % 3_500}`;
        reads.read = 0;
        if (state % 4 === 0) {
          await storage.write((tx) => tx.deleteRow("r", "notes", key));
          model.delete(key);
        } else {
          await storage.write((tx) => tx.putRow(row("r", "notes", key, { v: w })));
          model.set(key, w);
        }
        mostRead = Math.max(mostRead, reads.read);
      }
    } finally {
      reads.restore();
    }
    const rows = await storage.read((tx) => tx.rows("r"));
    expect(new Map(rows.map((r) => [r.key, r.row["v"]]))).toEqual(model);
    storage.close();
    // the merges read the small writes' segments only (fewer entries than the 1,300 writes), never the base's 3,000
    expect(mostRead).toBeGreaterThan(0);
    expect(mostRead).toBeLessThan(1_300);
    const segments = (await records(factory, "nizhal:tail", "segments")) as Array<{ seq: number; entries: unknown[] }>;
    expect(segments.slice(0, 3).map((seg) => `${seg.seq}:${seg.entries.length}`)).toEqual(["0:1000", "1:1000", "2:1000"]);
    expect(segments.length).toBeLessThan(3 + 500);
    // 1,300 writes made 1,300 segments; the merges left a few hundred
    expect(segments.length).toBeLessThan(1_300 - 500);
  }, 60_000);

  it("after a load of many pages, small writes do not merge the load's segments again and again", async () => {
    const factory = new IDBFactory();
    const storage = await IndexedDbStorage.open("nizhal:paged", factory);
    for (let page = 0; page < 20; page++) {
      await storage.write(async (tx) => {
        for (let i = 0; i < 1_000; i++) await tx.putRow(row("r", "notes", `p${page}-${i}`, { page }));
      });
    }
    const reads = segmentReads();
    try {
      for (let w = 0; w < 3_000; w++) await storage.write((tx) => tx.putRow(row("r", "notes", `p0-${w % 1_000}`, { w })));
    } finally {
      reads.restore();
    }
    // the load's 20,000 rows are read once (one compaction), then merges read only what came since: merging the load's
    // own segments at each merge read about 10,500 entries each time (over 60,000 here)
    expect(reads.read).toBeLessThan(35_000);
    expect((await storage.read((tx) => tx.rows("r"))).length).toBe(20_000);
    storage.close();
  }, 60_000);

  it("writes a rule anew once deletions took much of it", async () => {
    const factory = new IDBFactory();
    const storage = await IndexedDbStorage.open("nizhal:shrink", factory);
    await storage.write(async (tx) => {
      for (let i = 0; i < 5_000; i++) await tx.putRow(row("r", "notes", `n${i}`));
    });
    await storage.write(async (tx) => {
      for (let i = 0; i < 4_000; i++) await tx.deleteRow("r", "notes", `n${i}`);
    });
    await storage.write((tx) => tx.putRow(row("r", "notes", "late")));
    expect((await storage.read((tx) => tx.rows("r"))).length).toBe(1_001);
    storage.close();
    const segments = (await records(factory, "nizhal:shrink", "segments")) as Array<{ entries: Array<{ row?: unknown }> }>;
    // the 1,000 rows left and the one added, no tombstone: not 5,000 + 4,000 + 1 entries
    expect(segments.reduce((n, seg) => n + seg.entries.length, 0)).toBe(1_001);
  });

  /** Counts the row entries read from the store `segments` through IndexedDB's own getAll, until `restore()`. */
  function segmentReads() {
    const store = globalThis.IDBObjectStore.prototype;
    const getAll = store.getAll;
    const counter = { read: 0, restore: () => void (store.getAll = getAll) };
    store.getAll = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore["getAll"]>) {
      const request = getAll.apply(this, args);
      if (this.name === "segments") {
        request.addEventListener("success", () => {
          counter.read += (request.result as Array<{ entries: unknown[] }>).reduce((n, seg) => n + seg.entries.length, 0);
        });
      }
      return request;
    };
    return counter;
  }

  /** Opens `name` with console.warn captured, then `restore`s what the test changed, whatever happened. */
  async function openWarned(name: string, factory: IDBFactory, restore: () => void) {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    let storage: IndexedDbStorage;
    let warnings: unknown[][];
    try {
      storage = await IndexedDbStorage.open(name, factory);
    } finally {
      restore();
      warnings = warn.mock.calls.slice();
      warn.mockRestore();
    }
    opened.push(storage);
    return { storage, warnings };
  }

  /** A database as version 1 of this storage left it: a record a row (1,500 rows of r, one of s), a rule, an entry. */
  async function version1(factory: IDBFactory, name: string): Promise<void> {
    const v1 = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(name, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("meta");
        db.createObjectStore("rules", { keyPath: "rule" });
        db.createObjectStore("rows", { keyPath: ["rule", "collection", "key"] }).createIndex("byRule", "rule");
        db.createObjectStore("outbox", { keyPath: "id" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    await new Promise<void>((resolve, reject) => {
      const tx = v1.transaction(["meta", "rules", "rows", "outbox"], "readwrite");
      tx.objectStore("meta").put(meta({ nextMutationId: 3 }), "meta");
      tx.objectStore("rules").put({ rule: "r", cursor: "c-1", held: ['r["u1"]'], confirmed: 2, ready: true });
      for (let i = 0; i < 1_500; i++) tx.objectStore("rows").put(row("r", "notes", `n${i}`, { i }));
      tx.objectStore("rows").put(row("s", "lists", "l1"));
      tx.objectStore("outbox").put(entry(2));
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    v1.close();
  }

  async function storeNames(factory: IDBFactory, name: string): Promise<{ names: string[]; version: number }> {
    const db = await new Promise<IDBDatabase>((resolve) => {
      const request = factory.open(name);
      request.onsuccess = () => resolve(request.result);
    });
    const names = { names: [...db.objectStoreNames].sort(), version: db.version };
    db.close();
    return names;
  }

  it("moves the rows of a version 1 database (a record a row) into segments, keeping the rest", async () => {
    const factory = new IDBFactory();
    const name = "nizhal:v1";
    await version1(factory, name);

    const storage = await IndexedDbStorage.open(name, factory);
    const after = await snapshot(storage, ["r", "s"]);
    expect(after.meta).toEqual(meta({ nextMutationId: 3 }));
    expect(after.rules.map((s) => s?.cursor)).toEqual(["c-1", undefined]);
    expect(after.rows["r"]).toEqual(byId(range(0, 1_499).map((i) => row("r", "notes", `n${i}`))));
    expect(after.rows["s"]).toEqual(["s|lists|l1"]);
    expect(after.outbox.map((e) => e.id)).toEqual([2]);
    expect((await storage.read((tx) => tx.row("r", "notes", "n42")))?.row).toEqual({ id: "n42", i: 42 });
    // and it goes on from there
    await storage.write((tx) => tx.deleteRow("r", "notes", "n0"));
    expect((await storage.read((tx) => tx.rows("r"))).length).toBe(1_499);
    storage.close();
    expect(await storeNames(factory, name)).toEqual({
      names: ["meta", "outbox", "rules", "segmentInfo", "segments"],
      version: 2,
    });
  });

  it("drops a version 1 database's rows too when the move's transaction is refused at its commit (Chromium's quota)", async () => {
    const factory = new IDBFactory();
    const name = "nizhal:v1-commit";
    await version1(factory, name);
    // Chromium checks the quota when a transaction commits, and aborts it then: every request of the move succeeded.
    // fake-indexeddb (pinned) starts a transaction's commit in FDBTransaction._start once no request is pending.
    const proto = FDBTransaction.prototype as unknown as { _start(): void; _abort(name: string): void };
    const start = proto._start;
    expect(typeof start).toBe("function");
    let refused = 0;
    proto._start = function (this: { mode: string; _requests: Array<{ request: { readyState: string } }>; _state: string }) {
      const pending = this._requests.some((r) => r.request.readyState !== "done");
      if (this.mode === "versionchange" && !pending && this._state !== "finished" && refused === 0) {
        refused++;
        (this as unknown as { _abort(name: string): void })._abort("QuotaExceededError");
        return;
      }
      start.call(this);
    };
    const { storage, warnings } = await openWarned(name, factory, () => (proto._start = start));
    expect(refused).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]![1])).toContain("QuotaExceededError");
    const after = await snapshot(storage, ["r", "s"]);
    expect(after.rows).toEqual({ r: [], s: [] });
    expect(after.rules.map((r) => r?.cursor)).toEqual([null, undefined]);
    expect(after.outbox.map((e) => e.id)).toEqual([2]);
  });

  it("drops a version 1 database's rows, and loads its rules again, when moving them fails (a full disk)", async () => {
    const factory = new IDBFactory();
    const name = "nizhal:v1-full";
    await version1(factory, name);
    const store = globalThis.IDBObjectStore.prototype;
    const put = store.put;
    store.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore["put"]>) {
      if (this.name === "segments") throw new DOMException("the disk is full (simulated)", "QuotaExceededError");
      return put.apply(this, args);
    };
    const { storage, warnings } = await openWarned(name, factory, () => (store.put = put));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]![1])).toContain("QuotaExceededError");
    const after = await snapshot(storage, ["r", "s"]);
    expect(after.rows).toEqual({ r: [], s: [] });
    expect(after.rules).toEqual([{ rule: "r", cursor: null, held: [], confirmed: 2, ready: false }, undefined]);
    expect(after.meta).toEqual(meta({ nextMutationId: 3 }));
    expect(after.outbox.map((e) => e.id)).toEqual([2]);
    expect((await storeNames(factory, name)).names).toEqual(["meta", "outbox", "rules", "segmentInfo", "segments"]);
  });

  it("opens in the factory it is given, and leaves the global one as it was", async () => {
    const global = globalThis.indexedDB;
    const factory = new IDBFactory();
    const [a, b] = await Promise.all([
      IndexedDbStorage.open("nizhal:factory", factory),
      IndexedDbStorage.open("nizhal:factory", factory),
    ]);
    opened.push(a, b);
    expect(globalThis.indexedDB).toBe(global);
    expect((await factory.databases()).map((d) => d.name)).toEqual(["nizhal:factory"]);
    expect((await global.databases()).map((d) => d.name)).not.toContain("nizhal:factory");
  });
});
