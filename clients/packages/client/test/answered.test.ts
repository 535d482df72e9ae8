// The drain records a batch's answers as one record in meta (Meta.answered: every write up to an id was answered),
// not as a rewrite of each of its outbox entries: in IndexedDB those rewrites cost the browser more than the push.
import { describe, expect, it } from "vitest";
import { MemoryStorage, type NizhalStorage, type OutboxEntry, type StorageTx } from "../src/index.js";
import { FakeServer, settle } from "./fakes.js";
import { bodies, deferred, device } from "./harness.js";

/** Memory storage that counts the outbox entries written by transactions that do not wait for the disk (recordings). */
class CountingStorage implements NizhalStorage {
  readonly inner = new MemoryStorage();
  entriesRewritten = 0;
  /** Makes the next recording fail (as a crash before it reached storage would lose it). */
  failNextRecording = false;

  read<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    return this.inner.read(fn);
  }

  write<T>(fn: (tx: StorageTx) => Promise<T>, options?: { flush?: boolean }): Promise<T> {
    if (options?.flush !== false) return this.inner.write(fn, options);
    return this.inner.write(async (tx) => {
      const counted: StorageTx = Object.create(tx);
      counted.putOutbox = (entry: OutboxEntry) => {
        this.entriesRewritten++;
        return tx.putOutbox(entry);
      };
      const result = await fn(counted);
      if (this.failNextRecording) {
        this.failNextRecording = false;
        throw new Error("the tab died before this transaction committed");
      }
      return result;
    }, options);
  }

  close(): void {
    this.inner.close();
  }
}

/** Lets queued work run until `check` holds (the fake server answers at once; a drain takes a few rounds). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !check(); i++) await settle();
  expect(check()).toBe(true);
}

/** A device that started, pulled once, went offline and queued `count` notes (n1, n2, ...). */
async function offlineWithWrites(server: FakeServer, storage: NizhalStorage, count: number) {
  const d = device({ server, storage });
  await d.engine.start();
  await d.engine.pull("myNotes");
  d.engine.setNetworkOnline(false);
  for (let i = 1; i <= count; i++) await d.engine.mutate("addNote", { id: `n${i}`, body: `b${i}` });
  return d;
}

describe("the record of answered writes", () => {
  it("records each answered batch without rewriting its entries; a restart neither resends nor drops the answered writes", async () => {
    const server = new FakeServer();
    const storage = new CountingStorage();
    const first = await offlineWithWrites(server, storage, 250);
    server.faults.pull.push(...Array(20).fill("network-before")); // no pull confirms them before the restart
    first.engine.setNetworkOnline(true);
    await until(() => first.engine.status().unsent === 0);
    expect(first.engine.status()).toMatchObject({ pending: 250, unsent: 0 });
    expect(server.pushCount).toBe(3);
    expect(storage.entriesRewritten).toBe(0);
    const meta = await storage.read((tx) => tx.meta());
    expect(meta?.answered).toEqual({ clientId: first.engine.clientId, through: 250 });
    first.engine.stop();

    server.faults.pull = Array(5).fill("network-before");
    const again = device({ server, storage });
    await again.engine.start();
    await settle();
    // answered, not yet confirmed: shown, counted pending, not sent again
    expect(again.engine.status()).toMatchObject({ pending: 250, unsent: 0 });
    expect(Object.keys(bodies(again.shown))).toHaveLength(250);
    server.faults.pull = [];
    await again.engine.pull("myNotes");
    await settle();
    expect(server.pushCount).toBe(3);
    expect(server.applied.map((a) => a.id)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(again.engine.status()).toMatchObject({ pending: 0, unsent: 0 });
    expect(await storage.read((tx) => tx.outbox())).toEqual([]);
    expect(Object.keys(bodies(again.shown))).toHaveLength(250);
  });

  it("a recording lost mid-drain (the tab died) loses nothing and applies nothing twice: the batch goes again", async () => {
    const server = new FakeServer();
    const storage = new CountingStorage();
    const first = await offlineWithWrites(server, storage, 150);
    server.faults.pull.push(...Array(20).fill("network-before")); // only the recordings write without waiting for the disk
    // the first batch is recorded; the second batch's answer arrives, and its recording never reaches storage
    const original = storage.write.bind(storage);
    let recordings = 0;
    storage.write = (fn, options) => {
      if (options?.flush === false && ++recordings === 2) storage.failNextRecording = true;
      return original(fn, options);
    };
    first.engine.setNetworkOnline(true);
    await until(() => server.applied.length === 150 && recordings === 2);
    await settle();
    first.engine.stop();
    server.faults.pull = [];
    expect(server.applied).toHaveLength(150); // the server has applied both batches
    expect((await storage.read((tx) => tx.meta()))?.answered?.through).toBe(100);

    const again = device({ server, storage });
    await again.engine.start();
    expect(again.engine.status()).toMatchObject({ unsent: 50 });
    await again.clock.advance(60_000);
    await again.engine.pull("myNotes");
    expect(server.applied.map((a) => a.id)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1)); // once each
    expect(again.engine.status()).toMatchObject({ pending: 0, unsent: 0, rejected: [] });
    expect(Object.keys(bodies(again.shown))).toHaveLength(150);
  });

  it("outbox entries marked applied one by one (stored by an older client) are still taken as answered", async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    const d0 = await offlineWithWrites(server, storage, 3);
    d0.engine.stop();
    // as an older client left it: 1 and 2 answered and marked applied on the entries, no record in meta
    server.handlePush({
      clientId: d0.engine.clientId,
      mutations: [1, 2].map((id) => ({ id, name: "addNote", args: { id: `n${id}`, body: `b${id}` } })),
    });
    await storage.write(async (tx) => {
      for (const e of await tx.outbox()) if (e.id <= 2) await tx.putOutbox({ ...e, status: "applied" });
    });

    const d = device({ server, storage });
    await d.engine.start();
    expect(d.engine.status()).toMatchObject({ pending: 3, unsent: 1 });
    await settle();
    expect(server.pushCount).toBe(1); // only write 3 went out
    expect((await storage.read((tx) => tx.meta()))?.answered?.through).toBe(3); // the record covers 1 and 2 as well
    await d.engine.pull("myNotes");
    expect(d.engine.status()).toMatchObject({ pending: 0, unsent: 0 });
    expect(server.applied.map((a) => a.id)).toEqual([1, 2, 3]);
  });

  it("when the server expects ids the record covers (it lost them), the nizhal.skip sent for missing ones stays unsent until answered", async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    // the record says 1..3 were answered, and they left the outbox; the server knows nothing of this client
    await storage.write(async (tx) => {
      await tx.putMeta({ clientId: "c-lost", nextMutationId: 5, rejected: [], answered: { clientId: "c-lost", through: 3 } });
      await tx.putOutbox({ uid: "u4", id: 4, clientId: "c-lost", name: "addNote", args: { id: "n4", body: "four" }, createdAt: 0, status: "pending" });
    });
    // the push after the gap fill does not come back: the tab closes with the skips stored
    const gate = deferred();
    const push = server.push.bind(server);
    let pushes = 0;
    server.push = async (request) => {
      if (++pushes === 2) await gate.promise;
      return push(request);
    };
    const first = device({ server, storage });
    await first.engine.start();
    await until(() => pushes === 2); // [4] → MUTATION_ORDER (expected 1), then [1, 2, 3, 4], held
    first.engine.stop();

    server.push = push;
    const again = device({ server, storage });
    await again.engine.start();
    expect(again.engine.status()).toMatchObject({ unsent: 4 }); // three skips and the write
    await again.clock.advance(60_000);
    await again.engine.pull("myNotes");
    const journal = server.journals.get("c-lost")!;
    expect([...journal.outcomes.keys()]).toEqual([1, 2, 3, 4]);
    expect(server.applied).toEqual([{ clientId: "c-lost", id: 4, name: "addNote" }]);
    expect(again.engine.status()).toMatchObject({ pending: 0, unsent: 0, rejected: [] });
    gate.resolve();
  });
  it("when the server expects ids the record covers and the writes are still here (its state went back), they go again: the drain does not loop", async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    // the server has 1 only (restored from a backup taken after it); the record says 1..3 were answered, 2 and 3 wait
    // for a pull's confirmation, 4 is new
    server.handlePush({ clientId: "c-back", mutations: [{ id: 1, name: "addNote", args: { id: "n1", body: "one" } }] });
    await storage.write(async (tx) => {
      await tx.putMeta({ clientId: "c-back", nextMutationId: 5, rejected: [], answered: { clientId: "c-back", through: 3 } });
      for (const id of [2, 3, 4]) {
        await tx.putOutbox({ uid: `u${id}`, id, clientId: "c-back", name: "addNote", args: { id: `n${id}`, body: `b${id}` }, createdAt: 0, status: "pending" });
      }
    });
    const d = device({ server, storage });
    await d.engine.start();
    await until(() => server.applied.length === 4);
    expect(server.applied.map((a) => a.id)).toEqual([1, 2, 3, 4]);
    await d.engine.pull("myNotes");
    await settle();
    expect(d.engine.status()).toMatchObject({ pending: 0, unsent: 0, rejected: [] });
    expect(Object.keys(bodies(d.shown)).sort()).toEqual(["n1", "n2", "n3", "n4"]);
  });

  it("a refused write still in the outbox under the record (its deletion lost, the record kept) goes again and is refused once", async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    const d0 = await offlineWithWrites(server, storage, 1);
    d0.engine.stop();
    const clientId = d0.engine.clientId;
    server.handlePush({
      clientId,
      mutations: [
        { id: 1, name: "addNote", args: { id: "n1", body: "b1" } },
        { id: 2, name: "failing", args: {} },
        { id: 3, name: "addNote", args: { id: "n3", body: "b3" } },
      ],
    });
    // as a crash could leave it if the later recording's transaction reached the disk and the earlier one did not:
    // the record covers 1..3 and names 2 as refused, but 2 is still in the outbox
    await storage.write(async (tx) => {
      const meta = (await tx.meta())!;
      await tx.putOutbox({ uid: "u2", id: 2, clientId, name: "failing", args: {}, createdAt: 0, status: "pending" });
      await tx.putOutbox({ uid: "u3", id: 3, clientId, name: "addNote", args: { id: "n3", body: "b3" }, createdAt: 0, status: "pending" });
      const refused = { uid: "u2", id: 2, clientId, name: "failing", args: {}, code: "MUTATION_REJECTED", message: "this write is always refused", at: 0 };
      await tx.putMeta({ ...meta, nextMutationId: 4, rejected: [refused], answered: { clientId, through: 3 } });
    });
    const d = device({ server, storage });
    await d.engine.start();
    expect(d.engine.status()).toMatchObject({ unsent: 1 }); // 2: not taken as applied
    await until(() => d.engine.status().unsent === 0);
    await d.engine.pull("myNotes");
    await settle();
    expect(server.applied.map((a) => a.id)).toEqual([1, 3]);
    expect(d.engine.status()).toMatchObject({ pending: 0, unsent: 0 });
    expect(d.engine.status().rejected.map((r) => r.id)).toEqual([2]); // shown once
    expect(Object.keys(bodies(d.shown)).sort()).toEqual(["n1", "n3"]);
  });

  it("a renumbering (MUTATION_CONFLICT) keeps the writes the record covers as applied under the old id and moves only the unsent ones", async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    // 1 and 2 were answered (the record covers them, no pull confirmed them); the server holds other args under 3
    server.handlePush({
      clientId: "c-old",
      mutations: [
        { id: 1, name: "addNote", args: { id: "n1", body: "b1" } },
        { id: 2, name: "addNote", args: { id: "n2", body: "b2" } },
        { id: 3, name: "addNote", args: { id: "elsewhere", body: "from a lost copy of this device" } },
      ],
    });
    await storage.write(async (tx) => {
      await tx.putMeta({ clientId: "c-old", nextMutationId: 4, rejected: [], answered: { clientId: "c-old", through: 2 } });
      for (const id of [1, 2, 3]) {
        await tx.putOutbox({ uid: `u${id}`, id, clientId: "c-old", name: "addNote", args: { id: `n${id}`, body: `b${id}` }, createdAt: 0, status: "pending" });
      }
    });
    const d = device({ server, storage });
    server.faults.pull.push(...Array(5).fill("network-before")); // no pull confirms 1 and 2 before the renumbering
    await d.engine.start();
    await until(() => d.engine.clientId !== "c-old" && d.engine.status().unsent === 0);
    expect(server.applied.filter((a) => a.clientId === "c-old").map((a) => a.id)).toEqual([1, 2, 3]); // not sent again
    expect(server.applied.filter((a) => a.clientId === d.engine.clientId).map((a) => a.id)).toEqual([1]); // n3, renumbered
    expect(Object.keys(bodies(d.shown)).sort()).toEqual(["n1", "n2", "n3"]); // 1 and 2 still shown, lingering
    server.faults.pull = [];
    await d.engine.pull("myNotes");
    await settle();
    expect(d.engine.status()).toMatchObject({ pending: 0, unsent: 0, rejected: [] });
    expect(bodies(d.shown)).toEqual({ elsewhere: "from a lost copy of this device", n1: "b1", n2: "b2", n3: "b3" });
    // the old id's record went with it; the new id has its own
    expect((await storage.read((tx) => tx.meta()))?.answered).toEqual({ clientId: d.engine.clientId, through: 1 });
  });

  it("a write the record covers cannot be discarded (the server applied it); an unsent one after it can", async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    server.handlePush({ clientId: "c-d", mutations: [1, 2].map((id) => ({ id, name: "addNote", args: { id: `n${id}`, body: `b${id}` } })) });
    await storage.write(async (tx) => {
      await tx.putMeta({ clientId: "c-d", nextMutationId: 4, rejected: [], answered: { clientId: "c-d", through: 2 } });
      for (const id of [1, 2, 3]) {
        await tx.putOutbox({ uid: `u${id}`, id, clientId: "c-d", name: "addNote", args: { id: `n${id}`, body: `b${id}` }, createdAt: 0, status: "pending" });
      }
    });
    const d = device({ server, storage });
    d.engine.setNetworkOnline(false);
    await d.engine.start();
    expect(d.engine.status()).toMatchObject({ pending: 3, unsent: 1 });
    expect(await d.engine.discard(2)).toBe(false);
    expect(await d.engine.discard(3)).toBe(true);
    expect(Object.keys(bodies(d.shown)).sort()).toEqual(["n1", "n2"]);
    d.engine.setNetworkOnline(true);
    await until(() => d.engine.status().unsent === 0);
    await d.engine.pull("myNotes");
    await settle();
    const journal = server.journals.get("c-d")!;
    expect([...journal.outcomes].map(([id, o]) => [id, o.outcome.status])).toEqual([[1, "applied"], [2, "applied"], [3, "rejected"]]);
    expect(server.applied.map((a) => a.id)).toEqual([1, 2]);
    expect(d.engine.status()).toMatchObject({ pending: 0, unsent: 0 });
    expect(bodies(d.shown)).toEqual({ n1: "b1", n2: "b2" });
  });

  it("a storage without deleteOutboxRange (optional) has the confirmed writes deleted one by one", async () => {
    const server = new FakeServer();
    const inner = new MemoryStorage();
    const storage: NizhalStorage = {
      read: (fn) => inner.read(fn),
      write: (fn, options) =>
        inner.write((tx) => {
          const plain: StorageTx = Object.create(tx);
          Object.defineProperty(plain, "deleteOutboxRange", { value: undefined });
          return fn(plain);
        }, options),
      close: () => inner.close(),
    };
    const d = await offlineWithWrites(server, storage, 120);
    d.engine.setNetworkOnline(true);
    await until(() => d.engine.status().unsent === 0);
    await d.engine.pull("myNotes");
    await settle();
    expect(d.engine.status()).toMatchObject({ pending: 0, unsent: 0 });
    expect(await inner.read((tx) => tx.outbox())).toEqual([]);
    expect(Object.keys(bodies(d.shown))).toHaveLength(120);
  });

  it("an outcome for an id the batch did not send (a broken server or proxy) moves the record over nothing: later writes still go", async () => {
    const server = new FakeServer();
    const storage = new CountingStorage();
    const push = server.push.bind(server);
    let bogus = true;
    server.push = async (request) => {
      const answer = await push(request);
      if (!bogus) return answer;
      bogus = false;
      const last = request.mutations[request.mutations.length - 1]!.id;
      return { results: [...answer.results, { id: last + 50, status: "applied" as const }] };
    };
    const d = await offlineWithWrites(server, storage, 3);
    server.faults.pull.push(...Array(20).fill("network-before")); // no pull confirms them meanwhile
    d.engine.setNetworkOnline(true);
    await until(() => d.engine.status().unsent === 0);
    expect(bogus).toBe(false);
    const meta = await storage.read((tx) => tx.meta());
    expect(meta?.answered).toEqual({ clientId: d.engine.clientId, through: 3 });
    for (let i = 4; i <= 6; i++) await d.engine.mutate("addNote", { id: `n${i}`, body: `b${i}` });
    await until(() => d.engine.status().unsent === 0);
    expect(server.applied.map((a) => a.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
