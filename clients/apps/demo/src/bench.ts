import { createCollection } from "@tanstack/db";
import { HttpTransport, NizhalEngine, type NizhalStorage } from "@nizhal/client";
import { IndexedDbStorage } from "@nizhal/client/indexeddb";
import { createNizhalClient, nizhalCollectionOptions } from "@nizhal/db-collection";

const login = (token: string) => ({ getHeaders: () => ({ Authorization: `Bearer ${token}` }) });

/** `idb`, counting its write transactions and the time they take into `spans`. */
function timed(idb: IndexedDbStorage, spans: { writes: number; writeMs: number }): NizhalStorage {
  return {
    read: (fn) => idb.read(fn),
    async write(fn, options) {
      const started = performance.now();
      try {
        return await idb.write(fn, options);
      } finally {
        spans.writes++;
        spans.writeMs += performance.now() - started;
      }
    },
    close: () => idb.close(),
  };
}

/**
 * A page without UI that measures the outbox drain with the real engine and IndexedDB: `count` writes queued while
 * offline, then sent. The demo app itself would spend the time rendering 10,000 notes. `serverMs` is the part of the
 * drain spent waiting for the server's answers to the pushes (until their headers); `gapMs` the time between an answer
 * and the next push, when the server waits for the client; `writeMs` the time in storage write transactions.
 */
async function drain(token: string, count: number) {
  const queued = await queue(token, count);
  return { ...queued, ...(await send()) };
}

interface Queued {
  engine: NizhalEngine;
  storage: NizhalStorage;
  pushes: Array<{ sent: number; answered: number }>;
  spans: { writes: number; writeMs: number };
}

let queued: Queued | undefined;

/** The first half of {@link drain}: `count` writes queued offline (a test may measure the halves apart). */
async function queue(token: string, count: number) {
  const idb = await IndexedDbStorage.open(`nizhal-bench-${crypto.randomUUID()}`);
  // the pushes: when each went out and when its answer's headers came back
  const pushes: Array<{ sent: number; answered: number }> = [];
  const timedFetch: typeof fetch = async (input, init) => {
    const started = performance.now();
    try {
      return await fetch(input, init);
    } finally {
      if (String(input).endsWith("/sync/push")) pushes.push({ sent: started, answered: performance.now() });
    }
  };
  const spans = { writes: 0, writeMs: 0 };
  const storage = timed(idb, spans);
  const engine = new NizhalEngine({
    transport: new HttpTransport({ server: location.origin, auth: login(token), fetch: timedFetch }),
    storage,
    syncRules: ["myNotes"],
    realtime: false,
  });
  await engine.start();
  engine.setNetworkOnline(false);
  const started = performance.now();
  for (let i = 0; i < count; i++) await engine.mutate("addNote", { id: crypto.randomUUID(), body: `bench ${i}` });
  queued = { engine, storage, pushes, spans };
  return { queuedMs: performance.now() - started };
}

/** The second half of {@link drain}: back online, until the server has answered every queued write. */
async function send() {
  if (!queued) throw new Error("nothing queued");
  const { engine, storage, pushes, spans } = queued;
  queued = undefined;
  pushes.length = 0;
  Object.assign(spans, { writes: 0, writeMs: 0 });
  const started = performance.now();
  engine.setNetworkOnline(true);
  await new Promise<void>((resolve) => {
    const stop = engine.onStatus((s) => {
      if (s.unsent === 0) {
        queueMicrotask(() => stop());
        resolve();
      }
    });
  });
  const sentMs = performance.now() - started;
  const status = engine.status();
  const sending = { ...spans }; // the storage writes until then
  // then the pull that confirms them (it brings the 10,000 rows and empties the outbox)
  await new Promise<void>((resolve) => {
    const stop = engine.onStatus((s) => {
      if (s.pending === 0) {
        queueMicrotask(() => stop());
        resolve();
      }
    });
  });
  const confirmedMs = performance.now() - started;
  engine.stop();
  storage.close();
  let serverMs = 0;
  let gapMs = 0;
  pushes.forEach((p, i) => {
    serverMs += p.answered - p.sent;
    if (i > 0) gapMs += p.sent - pushes[i - 1]!.answered;
  });
  return { sentMs, confirmedMs, serverMs, gapMs, pushes: pushes.length, ...sending, rejected: status.rejected.length };
}

/**
 * The server's own rate, as this page sees it: `count` writes pushed with plain fetch in batches of 100 under a new
 * client id, one batch after the other, with no client, storage or outbox at all. No drain can beat it.
 */
async function rawPush(token: string, count: number) {
  const clientId = `c-raw-${crypto.randomUUID()}`;
  let serverMs = 0;
  let gapMs = 0;
  let answered: number | undefined;
  const started = performance.now();
  for (let first = 1; first <= count; first += 100) {
    const mutations = Array.from({ length: Math.min(100, count - first + 1) }, (_, i) => ({
      id: first + i,
      name: "addNote",
      args: { id: crypto.randomUUID(), body: `raw ${first + i}` },
    }));
    const sent = performance.now();
    if (answered !== undefined) gapMs += sent - answered;
    const response = await fetch("/sync/push", {
      method: "POST",
      headers: { ...login(token).getHeaders(), "Content-Type": "application/json", "Nizhal-Protocol": "1" },
      body: JSON.stringify({ clientId, mutations }),
    });
    answered = performance.now();
    serverMs += answered - sent;
    if (response.status !== 200) throw new Error(`raw push: the server answered ${response.status}`);
    await response.text();
  }
  return { sentMs: performance.now() - started, serverMs, gapMs };
}


/**
 * A fresh device's initial sync of `rule` with the real engine and IndexedDB at `pullLimit`, until the rule is
 * ready; then what a reload finds (`stored`, read in `reloadMs`), and the same pages fetched and parsed with plain
 * fetch, no client (the ceiling).
 */
async function initialSync(token: string, rule: string, pullLimit: number) {
  const name = `nizhal-bench-${crypto.randomUUID()}`;
  const idb = await IndexedDbStorage.open(name);
  const spans = { writes: 0, writeMs: 0, pulls: 0, pullMs: 0 };
  const timedFetch: typeof fetch = async (input, init) => {
    const started = performance.now();
    try {
      return await fetch(input, init);
    } finally {
      if (String(input).endsWith("/sync/pull")) {
        spans.pulls++;
        spans.pullMs += performance.now() - started;
      }
    }
  };
  const storage = timed(idb, spans);
  const engine = new NizhalEngine({
    transport: new HttpTransport({ server: location.origin, auth: login(token), fetch: timedFetch }),
    storage,
    syncRules: [rule],
    realtime: false,
    pullLimit,
  });
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const stop = engine.onStatus((s) => {
      if (s.ready.includes(rule)) {
        queueMicrotask(() => stop());
        resolve();
      }
    });
    void engine.start();
  });
  const syncMs = performance.now() - started;
  engine.stop();
  storage.close();
  const reloadStarted = performance.now();
  const reopened = await IndexedDbStorage.open(name);
  const stored = (await reopened.read((tx) => tx.rows(rule))).length;
  const reloadMs = performance.now() - reloadStarted;
  reopened.close();
  // the ceiling: the same pulls by hand, each response read and parsed, nothing stored
  const clientId = `c-raw-${crypto.randomUUID()}`;
  let cursor: string | null = null;
  let held: string[] = [];
  let rows = 0;
  const rawStarted = performance.now();
  for (;;) {
    const response = await fetch("/sync/pull", {
      method: "POST",
      headers: { ...login(token).getHeaders(), "Content-Type": "application/json", "Nizhal-Protocol": "1" },
      body: JSON.stringify({ syncRule: rule, clientId, cursor, held, limit: pullLimit }),
    });
    if (response.status !== 200) throw new Error(`raw pull: the server answered ${response.status}`);
    const page = (await response.json()) as { changes: unknown[]; cursor: string; hasMore: boolean; loadedBuckets: string[] };
    rows += page.changes.length;
    cursor = page.cursor;
    held = [...new Set([...held, ...page.loadedBuckets])];
    if (!page.hasMore) break;
  }
  return { syncMs, rawMs: performance.now() - rawStarted, rows, stored, reloadMs, ...spans };
}

/**
 * The app's way in: a fresh device's TanStack DB collection of `rule`'s `collection` on `createNizhalClient` (IndexedDB,
 * the client's default page), until it is ready; `rows` is the collection's size then.
 */
async function collectionSync(token: string, rule: string, collection: string) {
  const started = performance.now();
  const echo = createNizhalClient({ server: location.origin, auth: login(token), user: `bench-${crypto.randomUUID()}`, realtime: false });
  const rows = createCollection(nizhalCollectionOptions<{ id: string }>({ name: collection, syncRule: rule, echo }));
  await rows.toArrayWhenReady();
  const syncMs = performance.now() - started;
  const size = rows.size;
  await rows.cleanup();
  echo.close();
  return { syncMs, rows: size };
}

/**
 * A TanStack DB transaction of `count` inserts into a fresh device's notes collection (mapped to `addNote`), offline:
 * the time until the transaction is persisted (its writes in the durable outbox). With `separate`, `count` inserts
 * of one row each instead, made one after the other without waiting (as an app's loop would), until all are persisted.
 */
async function bulkInsert(token: string, count: number, separate = false) {
  const echo = createNizhalClient({ server: location.origin, auth: login(token), user: `bench-${crypto.randomUUID()}`, realtime: false });
  type Note = { id: string; body: string; owner_id: string };
  const notes = createCollection(
    nizhalCollectionOptions<Note>({
      name: "notes",
      syncRule: "myNotes",
      echo,
      writes: { insert: (row) => ({ name: "addNote", args: { id: row.id, body: row.body } }) },
    }),
  );
  await notes.toArrayWhenReady();
  echo.engine.setNetworkOnline(false);
  const rows = Array.from({ length: count }, (_, i) => ({ id: crypto.randomUUID(), body: `bulk ${i}`, owner_id: "" }));
  const started = performance.now();
  const persisted = separate ? rows.map((row) => notes.insert(row).isPersisted.promise) : [notes.insert(rows).isPersisted.promise];
  const calledMs = performance.now() - started; // the calls themselves (TanStack DB applies each optimistically), before any storage
  await Promise.all(persisted);
  const persistedMs = performance.now() - started;
  const unsent = echo.engine.status().unsent;
  await notes.cleanup();
  echo.close();
  return { persistedMs, calledMs, unsent };
}

(window as unknown as { nizhalBench: unknown }).nizhalBench = { drain, queue, send, rawPush, initialSync, collectionSync, bulkInsert };
