import { HttpTransport, NizhalEngine } from "@nizhal/client";
import { IndexedDbStorage } from "@nizhal/client/indexeddb";

/**
 * A page without UI that measures the outbox drain with the real engine and IndexedDB: `count` writes queued while
 * offline, then sent. The demo app itself would spend the time rendering 10,000 notes.
 */
async function drain(token: string, count: number) {
  const storage = await IndexedDbStorage.open(`nizhal-bench-${crypto.randomUUID()}`);
  const engine = new NizhalEngine({
    transport: new HttpTransport({ server: location.origin, auth: { getHeaders: () => ({ Authorization: `Bearer ${token}` }) } }),
    storage,
    syncRules: ["myNotes"],
    realtime: false,
  });
  await engine.start();
  engine.setNetworkOnline(false);
  const queueStarted = performance.now();
  for (let i = 0; i < count; i++) await engine.mutate("addNote", { id: crypto.randomUUID(), body: `bench ${i}` });
  const queued = performance.now() - queueStarted;
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
  return { queuedMs: queued, sentMs: sent, rejected: status.rejected.length };
}

(window as unknown as { nizhalBench: unknown }).nizhalBench = { drain };
