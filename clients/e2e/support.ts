import WebSocket from "ws";
import { inject } from "vitest";
import { HttpTransport, MemoryStorage, NizhalEngine, type EngineOptions, type Row, type WebSocketLike } from "@nizhal/client";

export const serverUrl = () => inject("serverUrl");

/** A token from the demo's development login. */
export async function tokenOf(user: string): Promise<string> {
  const response = await fetch(`${serverUrl()}/demo/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user }),
  });
  if (!response.ok) throw new Error(`login of ${user}: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** A device in Node: the engine over fetch + ws against the real server, with what it shows per collection. */
export async function nodeDevice(user: string, options: Partial<EngineOptions> & { fetch?: typeof fetch } = {}) {
  const token = await tokenOf(user);
  const auth = { getHeaders: () => ({ Authorization: `Bearer ${token}` }) };
  const transport = new HttpTransport({
    server: serverUrl(),
    auth,
    WebSocket: WebSocket as unknown as new (url: string) => WebSocketLike,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const engine = new NizhalEngine({
    transport,
    storage: new MemoryStorage(),
    syncRules: ["myNotes"],
    collections: { myNotes: ["notes"] },
    auth,
    mutators: {
      addNote: (tx, a: { id: string; body: string }) => tx.put("notes", { id: a.id, body: a.body, owner_id: user }),
      editNote: (tx, a: { id: string; body: string }) => {
        const row = tx.get("notes", a.id);
        if (row) tx.put("notes", { ...row, body: a.body });
      },
      deleteNote: (tx, a: { id: string }) => tx.delete("notes", a.id),
    },
    realtime: false,
    ...options,
  });
  const shown = new Map<string, Row>();
  engine.subscribe((batches) => {
    for (const b of batches) {
      if (b.collection !== "notes") continue;
      if (b.truncate) shown.clear();
      for (const c of b.changes) (c.value === undefined ? shown.delete(c.key) : shown.set(c.key, c.value));
    }
  });
  await engine.start();
  return { engine, shown, token, user };
}

export const bodies = (shown: Map<string, Row>) =>
  Object.fromEntries([...shown].map(([k, r]) => [k, r["body"]]).sort(([a], [b]) => String(a).localeCompare(String(b))));

/** Polls `check` until it holds or `ms` pass. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000, what = "the condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not hold within ${ms} ms`);
}

/** Waits until the device's outbox is answered, then pulls: what it wrote is then confirmed or refused. */
export async function drained(device: { engine: NizhalEngine }): Promise<void> {
  await eventually(() => device.engine.status().unsent === 0, 60_000, "the outbox to be answered");
  await device.engine.pullAll();
}
