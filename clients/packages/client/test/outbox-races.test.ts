// The engine keeps the outbox in memory beside storage. Each test lets a storage transaction commit at once but hands
// its answer to the engine late (as IndexedDB's events may come after other work of the tab), so that another path
// that changes the outbox runs in between: no write's entry or promise may be lost, doubled or settled wrongly.
import { describe, expect, it } from "vitest";
import { MemoryStorage, NizhalError, type NizhalStorage, type PushRequest, type PushResponse, type StorageTx } from "../src/index.js";
import { FakeServer, settle } from "./fakes.js";
import { bodies, deferred, device, state, twoTabs } from "./harness.js";

/** Memory storage whose next read or write (as the test asks) commits at once but answers only when released. */
class LateAnswers implements NizhalStorage {
  private readonly gates: Record<"read" | "write", Array<Promise<void>>> = { read: [], write: [] };
  readonly inner = new MemoryStorage();

  /** Holds the answer of the next transaction of `kind`; returns what releases it. */
  holdNext(kind: "read" | "write"): () => void {
    const gate = deferred();
    this.gates[kind].push(gate.promise);
    return gate.resolve;
  }

  read<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    return this.late("read", this.inner.read(fn));
  }

  write<T>(fn: (tx: StorageTx) => Promise<T>, options?: { flush?: boolean }): Promise<T> {
    return this.late("write", this.inner.write(fn, options));
  }

  close(): void {
    this.inner.close();
  }

  private late<T>(kind: "read" | "write", answer: Promise<T>): Promise<T> {
    const gate = this.gates[kind].shift();
    return gate ? answer.then(async (value) => (await gate, value)) : answer;
  }
}

/** A fake server that stops answering pushes after `limit` of them (a resend loop ends in a backoff, not a hang). */
class GuardedServer extends FakeServer {
  constructor(private readonly limit = 50) {
    super();
  }
  override async push(request: PushRequest): Promise<PushResponse> {
    if (this.pushCount >= this.limit) {
      this.pushCount++;
      throw new Error("test guard: too many pushes");
    }
    return super.push(request);
  }
}

/**
 * Writes `first` (its push is held until `pushAnswer` resolves), lets the push's answer in while the answer of the
 * storage transaction that follows it (the recovery's) is held, writes `second` meanwhile, then lets everything run.
 */
async function writeDuringRecovery(
  d: ReturnType<typeof device>,
  storage: LateAnswers,
  pushAnswer: { resolve: () => void },
  first: { id: string; body: string },
  second: { id: string; body: string },
) {
  const firstWrite = await d.engine.mutate("addNote", first); // sent; the answer waits
  await settle();
  const release = storage.holdNext("write"); // the recovery's transaction: committed, answer held
  pushAnswer.resolve();
  await settle();
  const writing = d.engine.mutate("addNote", second);
  await settle();
  release();
  const secondWrite = await writing;
  await settle();
  await d.clock.advance(60_000);
  await d.engine.pullAll();
  return [firstWrite, secondWrite] as const;
}

describe("the outbox in memory, while storage answers late", () => {
  it("a write made while the tab re-reads the outbox (another tab's message) stays listed, shown and pending", async () => {
    const server = new FakeServer();
    const storage = new LateAnswers();
    const [tab1, tab2] = await twoTabs(server, storage, true);
    const release = storage.holdNext("read");
    await tab2.engine.mutate("addNote", { id: "b1", body: "from tab 2" }); // tab 1 re-reads the outbox: answer held
    await settle();
    const writing = tab1.engine.mutate("addNote", { id: "a1", body: "from tab 1" });
    await settle();
    release(); // the re-read's snapshot (without a1) reaches tab 1 after its write
    const mine = await writing;
    await settle();
    expect(bodies(tab1.shown)).toEqual({ a1: "from tab 1", b1: "from tab 2" });
    expect(tab1.engine.status()).toMatchObject({ pending: 2, unsent: 2 });
    expect(await state(mine.confirmed)).toBe("pending"); // nothing has been sent
  });

  it("messages that arrive while a re-read of the outbox waits share one read (a draining leader posts one per batch)", async () => {
    const server = new FakeServer();
    const storage = new LateAnswers();
    const [tab1, tab2] = await twoTabs(server, storage, true);
    let reads = 0;
    const read = storage.read.bind(storage);
    storage.read = (fn) => {
      reads++;
      return read(fn);
    };
    const release = storage.holdNext("read");
    await tab2.engine.mutate("addNote", { id: "b0", body: "from tab 2" }); // tab 1 re-reads the outbox: answer held
    await settle();
    for (let i = 1; i <= 5; i++) await tab2.engine.mutate("addNote", { id: `b${i}`, body: "from tab 2" });
    await settle();
    release();
    await settle();
    expect(reads).toBe(2); // the held one, and one for the five messages that came meanwhile
    expect(tab1.engine.status()).toMatchObject({ pending: 6, unsent: 6 });
    expect(Object.keys(bodies(tab1.shown)).sort()).toEqual(["b0", "b1", "b2", "b3", "b4", "b5"]);
  });

  it("a write whose transaction commits before the tab re-reads the outbox is not listed twice", async () => {
    const server = new FakeServer();
    const storage = new LateAnswers();
    const [tab1, tab2] = await twoTabs(server, storage, true);
    const release = storage.holdNext("write");
    const writing = tab1.engine.mutate("addNote", { id: "a1", body: "from tab 1" }); // committed, answer held
    await settle();
    await tab2.engine.mutate("addNote", { id: "b1", body: "from tab 2" }); // tab 1 re-reads: a1 and b1
    await settle();
    release();
    const mine = await writing;
    await settle();
    expect(tab1.engine.status()).toMatchObject({ pending: 2, unsent: 2 });
    expect(bodies(tab1.shown)).toEqual({ a1: "from tab 1", b1: "from tab 2" });
    expect(await state(mine.confirmed)).toBe("pending");
  });

  it("the leader's re-read of an older outbox does not bring back writes it has sent and confirmed meanwhile", async () => {
    const server = new GuardedServer();
    const storage = new LateAnswers();
    const [leader, tab2] = await twoTabs(server, storage);
    await leader.engine.pull("myNotes");
    leader.engine.setNetworkOnline(false);
    const mine = await leader.engine.mutate("addNote", { id: "a1", body: "from the leader" });
    await settle(); // tab 2 has read it
    const release = storage.holdNext("read");
    const theirs = await tab2.engine.mutate("addNote", { id: "b1", body: "from tab 2" }); // the leader re-reads: held
    await settle();
    leader.engine.setNetworkOnline(true); // the leader sends, records the outcomes and pulls
    await settle();
    release(); // the re-read's snapshot, from before all that, lists both writes as pending
    await settle();
    await leader.clock.advance(600_000);
    await leader.engine.pullAll();
    expect(await state(mine.confirmed)).toBe("resolved");
    expect(await state(theirs.confirmed)).toBe("resolved");
    expect(leader.engine.status()).toMatchObject({ pending: 0, unsent: 0 });
    expect(server.applied.map((a) => a.id)).toEqual([1, 2]);
    expect(server.pushCount).toBeLessThan(10); // no resend loop of writes the storage no longer has
  });

  it("a write made while the MUTATION_CONFLICT renumbering commits is kept and sent under the new client id", async () => {
    const server = new GuardedServer();
    // another install used this client id before the local storage was lost
    server.handlePush({ clientId: "c-reused", mutations: [{ id: 1, name: "addNote", args: { id: "old", body: "old" } }] });
    const storage = new LateAnswers();
    await storage.inner.write(async (tx) => tx.putMeta({ clientId: "c-reused", nextMutationId: 1, rejected: [] }));
    const firstPush = deferred();
    const push = server.push.bind(server);
    let pushes = 0;
    server.push = async (request) => {
      if (++pushes === 1) await firstPush.promise;
      return push(request);
    };
    const d = device({ server, storage });
    await d.engine.start();
    // the push's answer is MUTATION_CONFLICT: the renumbering commits while the second write is made
    const [first, second] = await writeDuringRecovery(d, storage, firstPush, { id: "n1", body: "first" }, { id: "n2", body: "second" });
    expect(d.engine.clientId).not.toBe("c-reused");
    expect(server.applied.filter((a) => a.clientId === d.engine.clientId).map((a) => a.id)).toEqual([1, 2]);
    expect(await state(first.confirmed)).toBe("resolved");
    expect(await state(second.confirmed)).toBe("resolved");
    expect(bodies(d.shown)).toEqual({ n1: "first", n2: "second", old: "old" });
    expect(d.engine.status()).toMatchObject({ pending: 0, unsent: 0 });
  });

  it("a write made while the CLIENT_ACTOR_MISMATCH quarantine commits is kept and sent under the new client id", async () => {
    const server = new GuardedServer();
    const storage = new LateAnswers();
    await storage.inner.write(async (tx) => tx.putMeta({ clientId: "c-taken", nextMutationId: 1, rejected: [] }));
    const firstPush = deferred();
    const push = server.push.bind(server);
    server.push = async (request) => {
      if (request.clientId !== "c-taken") return push(request);
      await firstPush.promise;
      throw new NizhalError("CLIENT_ACTOR_MISMATCH", "client id bound to another actor", false, 403);
    };
    const d = device({ server, storage });
    await d.engine.start();
    await d.engine.pull("myNotes");
    // the push's answer is 403 CLIENT_ACTOR_MISMATCH: the quarantine commits while the second write is made
    const [stale, mine] = await writeDuringRecovery(d, storage, firstPush, { id: "n1", body: "stored by another user" }, { id: "n2", body: "mine" });
    expect(d.engine.clientId).not.toBe("c-taken");
    expect(await state(stale.confirmed)).toBe("CLIENT_ACTOR_MISMATCH");
    expect(server.applied).toEqual([{ clientId: d.engine.clientId, id: 1, name: "addNote" }]);
    expect(await state(mine.confirmed)).toBe("resolved");
    expect(bodies(d.shown)).toEqual({ n2: "mine" });
    expect(d.engine.status()).toMatchObject({ pending: 0, unsent: 0 });
  });
});
