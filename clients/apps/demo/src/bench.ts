import { HttpTransport, NizhalEngine } from "@nizhal/client";
import { IndexedDbStorage } from "@nizhal/client/indexeddb";

const login = (token: string) => ({ getHeaders: () => ({ Authorization: `Bearer ${token}` }) });

/**
 * A page without UI that measures the outbox drain with the real engine and IndexedDB: `count` writes queued while
 * offline, then sent. The demo app itself would spend the time rendering 10,000 notes. `serverMs` is the part of the
 * drain spent waiting for the server's answers to the pushes (until their headers): the client's own time is the rest.
 */
async function drain(token: string, count: number) {
  const storage = await IndexedDbStorage.open(`nizhal-bench-${crypto.randomUUID()}`);
  let serverMs = 0;
  const timedFetch: typeof fetch = async (input, init) => {
    const started = performance.now();
    try {
      return await fetch(input, init);
    } finally {
      if (String(input).endsWith("/sync/push")) serverMs += performance.now() - started;
    }
  };
  const engine = new NizhalEngine({
    transport: new HttpTransport({ server: location.origin, auth: login(token), fetch: timedFetch }),
    storage,
    syncRules: ["myNotes"],
    realtime: false,
  });
  await engine.start();
  engine.setNetworkOnline(false);
  const queueStarted = performance.now();
  for (let i = 0; i < count; i++) await engine.mutate("addNote", { id: crypto.randomUUID(), body: `bench ${i}` });
  const queued = performance.now() - queueStarted;
  serverMs = 0;
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
  const sent = performance.now() - started;
  const status = engine.status();
  engine.stop();
  storage.close();
  return { queuedMs: queued, sentMs: sent, serverMs, rejected: status.rejected.length };
}

/**
 * The server's own rate, as this page sees it: `count` writes pushed with plain fetch in batches of 100 under a new
 * client id, one batch after the other, with no client, storage or outbox at all. No drain can beat it.
 */
async function rawPush(token: string, count: number) {
  const clientId = `c-raw-${crypto.randomUUID()}`;
  const started = performance.now();
  for (let first = 1; first <= count; first += 100) {
    const mutations = Array.from({ length: Math.min(100, count - first + 1) }, (_, i) => ({
      id: first + i,
      name: "addNote",
      args: { id: crypto.randomUUID(), body: `raw ${first + i}` },
    }));
    const response = await fetch("/sync/push", {
      method: "POST",
      headers: { ...login(token).getHeaders(), "Content-Type": "application/json", "Nizhal-Protocol": "1" },
      body: JSON.stringify({ clientId, mutations }),
    });
    if (response.status !== 200) throw new Error(`raw push: the server answered ${response.status}`);
    await response.text();
  }
  return { sentMs: performance.now() - started };
}

(window as unknown as { nizhalBench: unknown }).nizhalBench = { drain, rawPush };
