import { createCollection } from "@tanstack/db";
import "fake-indexeddb/auto";
import { describe, expect, it, vi } from "vitest";
import { MemoryStorage, NizhalError, type NizhalStorage, type Row } from "@nizhal/client";
import { FakeServer, ManualClock, settle } from "../../client/test/fakes.js";
import { noteMutators } from "../../client/test/harness.js";
import { IndexedDbStorage } from "@nizhal/client/indexeddb";
import { createNizhalClient, nizhalCollectionOptions } from "../src/index.js";

type Note = { id: string; body: string; owner_id: string };
type Mutators = { addNote: { id: string; body: string }; editNote: { id: string; body: string }; deleteNote: { id: string }; failing: { id: string } };

function setup(server = new FakeServer(), storage: NizhalStorage | "memory" = "memory") {
  const clock = new ManualClock();
  const echo = createNizhalClient<Mutators>({
    server: "http://fake",
    auth: { getHeaders: () => ({ Authorization: "Bearer good" }) },
    transport: server,
    clock,
    storage,
    realtime: false,
    pollIntervalMs: 3_600_000,
    mutators: noteMutators,
  });
  const notes = createCollection(
    nizhalCollectionOptions<Note, Mutators>({
      name: "notes",
      syncRule: "myNotes",
      echo,
      writes: {
        insert: (row) => ({ name: "addNote", args: { id: row.id, body: row.body } }),
        update: (row) => ({ name: "editNote", args: { id: row.id, body: row.body } }),
        delete: (key) => ({ name: "deleteNote", args: { id: key } }),
      },
    }),
  );
  // every change TanStack reports, to catch a row that goes away and comes back
  const events: Array<{ type: string; key: string; body?: unknown }> = [];
  notes.subscribeChanges((changes) => {
    for (const c of changes) events.push({ type: c.type, key: String(c.key), body: (c.value as Row | undefined)?.["body"] });
  });
  return { server, clock, echo, notes, events };
}

const bodies = (notes: { toArray: Row[] }) =>
  Object.fromEntries(notes.toArray.map((r) => [r["id"], r["body"]]).sort());

describe("nizhalCollectionOptions", () => {
  it("is ready after the first drained pull and shows the server's rows", async () => {
    const server = new FakeServer();
    server.write({ id: "a", body: "from server", owner_id: "alice" });
    const { notes } = setup(server);
    await notes.toArrayWhenReady();
    expect(bodies(notes)).toEqual({ a: "from server" });
    expect(notes.status).toBe("ready");
  });

  it("on IndexedDB, a pull's storage write may skip the disk flush, and a new write may not", async () => {
    const server = new FakeServer();
    server.write({ id: "a", body: "from server", owner_id: "alice" });
    const writes = vi.spyOn(IndexedDbStorage.prototype, "write");
    try {
      const echo = createNizhalClient<Mutators>({
        server: "http://fake",
        auth: { getHeaders: () => ({ Authorization: "Bearer good" }) },
        user: `alice-${Math.random()}`,
        transport: server,
        clock: new ManualClock(),
        storage: "indexeddb",
        realtime: false,
        pollIntervalMs: 3_600_000,
        mutators: noteMutators,
      });
      const notes = createCollection(nizhalCollectionOptions<Note, Mutators>({ name: "notes", syncRule: "myNotes", echo }));
      await notes.toArrayWhenReady();
      expect(bodies(notes)).toEqual({ a: "from server" });
      // the engine's options reach IndexedDbStorage: its pulls are applied with relaxed durability
      expect(writes.mock.calls.some(([, options]) => options?.flush === false)).toBe(true);
      const flushedBefore = writes.mock.calls.filter(([, options]) => options?.flush !== false).length;
      await echo.mutate.addNote({ id: "b", body: "mine" });
      expect(writes.mock.calls.filter(([, options]) => options?.flush !== false).length).toBeGreaterThan(flushedBefore);
      echo.close();
    } finally {
      writes.mockRestore();
    }
  });

  it("asks for pullLimit changes a pull when the config says so, and for 5,000 when not", async () => {
    for (const [pullLimit, expected] of [[250, 250], [undefined, 5_000]] as const) {
      const limits: Array<number | undefined> = [];
      const server = new (class extends FakeServer {
        override async pull(request: Parameters<FakeServer["pull"]>[0]) {
          limits.push(request.limit);
          return super.pull(request);
        }
      })();
      server.write({ id: "n1", body: "one", owner_id: "alice" });
      const echo = createNizhalClient<Mutators>({
        server: "http://fake",
        auth: { getHeaders: () => ({ Authorization: "Bearer good" }) },
        transport: server,
        clock: new ManualClock(),
        storage: "memory",
        realtime: false,
        pollIntervalMs: 3_600_000,
        ...(pullLimit === undefined ? {} : { pullLimit }),
      });
      const notes = createCollection(
        nizhalCollectionOptions<Note, Mutators>({ name: "notes", syncRule: "myNotes", echo, writes: {} }),
      );
      await notes.toArrayWhenReady();
      expect(notes.size).toBe(1);
      expect(limits.length).toBeGreaterThan(0);
      expect(new Set(limits)).toEqual(new Set([expected]));
      echo.close();
    }
  });

  it("refuses a pullLimit the server would refuse, before anything is pulled", () => {
    for (const pullLimit of [0, -1, 2.5, Number.NaN]) {
      const server = new FakeServer();
      expect(() =>
        createNizhalClient({ server: "http://fake", auth: { getHeaders: () => ({}) }, transport: server, storage: "memory", pullLimit }),
      ).toThrow(/pullLimit must be a whole number of at least 1/);
      expect(server.pullCount).toBe(0);
    }
  });

  it("echo.mutate shows at once, and confirmation never makes the row disappear", async () => {
    const { echo, notes, events, server } = setup();
    await notes.toArrayWhenReady();
    server.faults.push.push("network-before");
    const confirmed = echo.mutate.addNote({ id: "n1", body: "hello" });
    expect(bodies(notes)).toEqual({ n1: "hello" }); // synchronously, before any storage or network
    await settle();
    expect(bodies(notes)).toEqual({ n1: "hello" });
    await echo.engine.setNetworkOnline(true);
    await settle();
    await echo.refresh();
    await confirmed;
    expect(server.applied).toHaveLength(1);
    expect(bodies(notes)).toEqual({ n1: "hello" });
    expect(events.filter((e) => e.key === "n1").map((e) => e.type)).not.toContain("delete");
  });

  it("a pending write does not freeze other devices' changes in the collection", async () => {
    const { echo, notes, server } = setup();
    await notes.toArrayWhenReady();
    server.faults.push.push(...Array(50).fill("network-before"));
    void echo.mutate.addNote({ id: "mine", body: "waiting" }).catch(() => undefined);
    await settle();
    server.write({ id: "theirs", body: "arrives", owner_id: "alice" });
    await echo.refresh();
    await settle();
    expect(bodies(notes)).toEqual({ mine: "waiting", theirs: "arrives" });
  });

  it("a transaction of many inserts goes into the outbox in one storage transaction, and every row is confirmed", async () => {
    const { memory, writes, before, echo, notes, server } = await offlineCounted();
    const rows = Array.from({ length: 300 }, (_, i) => ({ id: `m${i}`, body: `bulk ${i}`, owner_id: "alice" }));
    const insert = notes.insert(rows);
    expect(Object.keys(bodies(notes))).toHaveLength(300);
    await insert.isPersisted.promise;
    await settle();
    expect(writes() - before).toBe(1);
    const outbox = await memory.read((tx) => tx.outbox());
    expect(outbox.map((e) => e.id)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    echo.engine.setNetworkOnline(true);
    await settle();
    await echo.refresh();
    expect(server.applied.map((a) => a.id)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(bodies(notes)).toEqual(Object.fromEntries(rows.map((r) => [r.id, r.body])));
  });

  it("separate inserts made without waiting share storage transactions (group commit), in order", async () => {
    const { memory, writes, before, echo, notes, server } = await offlineCounted();
    const rows = Array.from({ length: 300 }, (_, i) => ({ id: `s${String(i).padStart(3, "0")}`, body: `one ${i}`, owner_id: "alice" }));
    const inserts = rows.map((row) => notes.insert(row)); // 300 TanStack transactions, none awaited before the next
    await Promise.all(inserts.map((t) => t.isPersisted.promise));
    await settle();
    // a storage transaction each before (300); now the calls made while one is written share the next
    expect(writes() - before).toBeLessThanOrEqual(3);
    const outbox = await memory.read((tx) => tx.outbox());
    expect(outbox.map((e) => (e.args as { id: string }).id)).toEqual(rows.map((r) => r.id)); // ids in the calls' order
    echo.engine.setNetworkOnline(true);
    await settle();
    await echo.refresh();
    expect(server.applied).toHaveLength(300);
    expect(bodies(notes)).toEqual(Object.fromEntries(rows.map((r) => [r.id, r.body])));
  });

  it("maps the collection's insert, update and delete to mutators", async () => {
    const { echo, notes, server, events } = setup();
    await notes.toArrayWhenReady();
    const insert = notes.insert({ id: "c1", body: "typed", owner_id: "alice" });
    expect(bodies(notes)).toEqual({ c1: "typed" });
    await insert.isPersisted.promise;
    const update = notes.update("c1", (draft) => {
      draft.body = "edited";
    });
    await update.isPersisted.promise;
    await settle();
    await echo.refresh();
    expect(server.rows.get("c1")?.["body"]).toBe("edited");
    expect(bodies(notes)).toEqual({ c1: "edited" });
    const remove = notes.delete("c1");
    await remove.isPersisted.promise;
    await settle();
    await echo.refresh();
    expect(server.rows.has("c1")).toBe(false);
    expect(bodies(notes)).toEqual({});
    // TanStack reports the hand-over from optimistic to synced state as an update of the same value: drop those
    const seen = events
      .filter((e) => e.key === "c1")
      .filter((e, i, all) => !(e.type === "update" && all[i - 1]?.body === e.body))
      .map((e) => `${e.type}:${e.body}`);
    expect(seen).toEqual(["insert:typed", "update:edited", "delete:edited"]);
  });

  it("a refused write rolls back and rejects with the server's code; later writes go through", async () => {
    const { echo, notes } = setup();
    await notes.toArrayWhenReady();
    const refused = echo.mutate.failing({ id: "f" });
    expect(bodies(notes)).toEqual({ f: "doomed" });
    const error = await refused.catch((e: NizhalError) => e);
    expect(error).toBeInstanceOf(NizhalError);
    expect((error as NizhalError).code).toBe("MUTATION_REJECTED");
    await settle();
    expect(bodies(notes)).toEqual({});
    const later = echo.mutate.addNote({ id: "ok", body: "fine" });
    await settle();
    await echo.refresh();
    await later;
    expect(bodies(notes)).toEqual({ ok: "fine" });
    expect(echo.status().rejected.map((r) => r.name)).toEqual(["failing"]);
  });

  it("createNizhalClient's timeoutMs bounds each HTTP request: a silent server shows as a NETWORK error naming it", async () => {
    const silent: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(new Error("aborted"))));
    const echo = createNizhalClient({
      server: "http://silent.example",
      auth: { getHeaders: () => ({ Authorization: "Bearer good" }) },
      fetch: silent,
      timeoutMs: 20,
      clock: new ManualClock(),
      storage: "memory",
      realtime: false,
      pollIntervalMs: 3_600_000,
    });
    await echo.engine.pull("myNotes");
    expect(echo.status().lastError).toEqual({ code: "NETWORK", message: "no answer from the server within 20 ms" });
    echo.close();
  });
});

/** A ready collection whose storage counts its write transactions, offline (the only writes are then the outbox's). */
async function offlineCounted() {
  const { memory, counted, writes } = countedStorage();
  const { echo, notes, server } = setup(new FakeServer(), counted);
  await notes.toArrayWhenReady();
  await settle();
  echo.engine.setNetworkOnline(false);
  return { memory, writes, before: writes(), echo, notes, server };
}

/** A storage in memory that counts its write transactions. */
function countedStorage() {
  const memory = new MemoryStorage();
  let count = 0;
  const counted: NizhalStorage = {
    read: (fn) => memory.read(fn),
    write: (fn, options) => {
      count++;
      return memory.write(fn, options);
    },
    close: () => memory.close(),
  };
  return { memory, counted, writes: () => count };
}
