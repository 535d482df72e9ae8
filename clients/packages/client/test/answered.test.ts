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
