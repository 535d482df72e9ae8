import {
  MemoryStorage,
  NizhalEngine,
  type EngineOptions,
  type Leadership,
  type NizhalError,
  type NizhalStorage,
  type Row,
  type TabChannel,
  type TabMessage,
} from "../src/index.js";
import { FakeServer, ManualClock, settle } from "./fakes.js";

export const noteMutators = {
  addNote: (tx: any, a: { id: string; body: string }) => tx.put("notes", { id: a.id, body: a.body, owner_id: "alice" }),
  editNote: (tx: any, a: { id: string; body: string }) => {
    const row = tx.get("notes", a.id);
    if (row) tx.put("notes", { ...row, body: a.body });
  },
  deleteNote: (tx: any, a: { id: string }) => tx.delete("notes", a.id),
  failing: (tx: any, a: { id: string }) => tx.put("notes", { id: a.id, body: "doomed", owner_id: "alice" }),
};

/** An engine over a fake server, with what it shows recorded batch by batch. */
export function device(
  options: { server?: FakeServer; clock?: ManualClock; storage?: NizhalStorage } & Partial<EngineOptions> = {},
) {
  const server = options.server ?? new FakeServer();
  const clock = options.clock ?? new ManualClock();
  const storage = options.storage ?? new MemoryStorage();
  let ids = 0;
  const engine = new NizhalEngine({
    transport: server,
    storage,
    clock,
    syncRules: ["myNotes"],
    collections: { myNotes: ["notes"] },
    mutators: noteMutators,
    realtime: false,
    pollIntervalMs: 3_600_000, // tests pull when they say so, unless they test polling
    auth: { getHeaders: () => ({ Authorization: "Bearer good" }) },
    newClientId: () => `c-${Math.random().toString(36).slice(2, 8)}-${++ids}`,
    onError: (e) => {
      throw e;
    },
    ...options,
  });
  const shown = new Map<string, Row>();
  /** Every key's value after each batch, to catch a row that disappears and comes back. */
  const history: Array<Map<string, Row>> = [];
  const ready: string[] = [];
  engine.subscribe((batches, nowReady) => {
    for (const b of batches) {
      if (b.collection !== "notes") continue;
      if (b.truncate) shown.clear();
      for (const c of b.changes) {
        if (c.value === undefined) shown.delete(c.key);
        else shown.set(c.key, c.value);
      }
    }
    history.push(new Map(shown));
    ready.push(...nowReady);
  });
  return { server, clock, storage, engine, shown, history, ready, sync: () => settle() };
}

export function bodies(shown: Map<string, Row>): Record<string, unknown> {
  return Object.fromEntries([...shown].sort(([a], [b]) => a.localeCompare(b)).map(([k, r]) => [k, r["body"]]));
}

export function serverBodies(server: FakeServer): Record<string, unknown> {
  return Object.fromEntries(
    [...server.rows].filter(([, r]) => r["owner_id"] === server.actor).sort(([a], [b]) => a.localeCompare(b)).map(([k, r]) => [k, r["body"]]),
  );
}

export function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** How a promise stands after everything queued has run: "pending", "resolved" or the rejection's code. */
export async function state(p: Promise<unknown>): Promise<string> {
  let result = "pending";
  p.then(
    () => (result = "resolved"),
    (e: NizhalError) => (result = e?.code ?? "rejected"),
  );
  await settle();
  return result;
}

/** A tab bus: what one tab posts, the others receive (a BroadcastChannel does not echo to the sender). */
export function bus() {
  const members: Array<(m: TabMessage) => void> = [];
  return (): TabChannel => {
    let mine: ((m: TabMessage) => void) | undefined;
    return {
      post: (message) => {
        for (const m of members) if (m !== mine) queueMicrotask(() => m(structuredClone(message)));
      },
      onMessage: (listener) => {
        mine = listener;
        members.push(listener);
      },
      close: () => undefined,
    };
  };
}

export const follower: Leadership = { isLeader: () => false, onChange: () => undefined, close: () => undefined };

/** Two tabs of one device over one storage, started: the first leads (unless `bothFollow`: then nothing is sent). */
export async function twoTabs(server: FakeServer, storage: NizhalStorage, bothFollow = false) {
  const channel = bus();
  const one = device({ server, storage, channel: channel(), ...(bothFollow ? { leadership: follower } : {}) });
  const two = device({ server, storage, channel: channel(), leadership: follower });
  await one.engine.start();
  await two.engine.start();
  return [one, two] as const;
}
