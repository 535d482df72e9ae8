import {
  createTransaction,
  type Collection,
  type CollectionConfig,
  type PendingMutation,
  type UtilsRecord,
} from "@tanstack/db";
import {
  HttpTransport,
  MemoryStorage,
  NizhalEngine,
  broadcastChannel,
  webLockLeadership,
  type Auth,
  type BucketFilter,
  type ClientMutator,
  type Effect,
  type NizhalStorage,
  type Row,
  type SyncStatus,
  type ViewBatch,
  type WebSocketLike,
  type Transport,
  type Clock,
} from "@nizhal/client";
import { IndexedDbStorage } from "@nizhal/client/indexeddb";

/** Mutator names to their args type, e.g. the `NizhalMutators` that `nizhal-codegen` writes. */
export type MutatorArgs = Record<string, unknown>;

export interface NizhalClientConfig<M extends MutatorArgs> {
  /** The server's base URL, e.g. `http://localhost:4000`. */
  server: string;
  auth: Auth;
  /**
   * Whose state this is: local state (rows, outbox, client id) is kept per server and user, so the next user of the
   * same browser never sees the previous one's. Defaults to the token's `sub`.
   */
  user?: string;
  /** Narrows a rule to some of its buckets; undefined = every bucket the server grants. */
  bucketsForSyncRule?: (rule: string) => BucketFilter[] | undefined;
  /** Optimistic effects of mutators, as functions over the collections (as Replicache and Zero declare them). */
  mutators?: { [K in keyof M]?: ClientMutator<M[K]> };
  /** Key columns per collection (default `["id"]`); `nizhal-codegen` writes them as `keyColumns`. */
  keyColumns?: Readonly<Record<string, readonly string[]>>;
  /** `indexeddb` in browsers (the default there), `memory` elsewhere, or your own storage. */
  storage?: "indexeddb" | "memory" | NizhalStorage;
  /** Pull interval while the realtime stream is not there. */
  pollIntervalMs?: number;
  /**
   * Changes asked for per pull response (default 5,000, the server's largest; the server bounds a response by size
   * too, about 4 MiB of rows). Lower it when the rows are wide and the link is slow.
   */
  pullLimit?: number;
  realtime?: boolean;
  WebSocket?: new (url: string) => WebSocketLike;
  fetch?: typeof fetch;
  /**
   * How long an HTTP request (answer included) may take before it counts as lost and is retried (default 30,000 ms).
   * Raise it for slow links and large first loads, lower it to notice a dead connection sooner.
   */
  timeoutMs?: number;
  /** Another transport than fetch + WebSocket (tests script one). */
  transport?: Transport;
  clock?: Clock;
  /** Unexpected failures (a client mutator that throws, a storage error). */
  onError?: (error: unknown) => void;
}

/** Calls mutators by name: `echo.mutate.addNote(args)` resolves when the server's rows confirm the write. */
export type MutateProxy<M extends MutatorArgs> = { [K in keyof M]: (args: M[K]) => Promise<void> };

export interface NizhalClient<M extends MutatorArgs = MutatorArgs> {
  readonly engine: NizhalEngine;
  readonly mutate: MutateProxy<M>;
  /** Writes `name` with `args`: shows its effect at once, appends it to the durable outbox, resolves on confirmation. */
  write(name: string, args: unknown): Promise<void>;
  status(): SyncStatus;
  onStatus(listener: (status: SyncStatus) => void): () => void;
  /** Pulls every synced rule now. */
  refresh(): Promise<void>;
  dismissRejected(id: number, clientId?: string): Promise<void>;
  close(): void;
}

interface Attached {
  rule: string;
  collection: string;
  tanstack: () => Collection<Row, string> | undefined;
}

/**
 * Creates the client of one server for one user: storage (IndexedDB in browsers), the protocol engine, tab
 * leadership (Web Locks) and messages (BroadcastChannel), and online/offline and focus listeners.
 */
export function createNizhalClient<M extends MutatorArgs = MutatorArgs>(config: NizhalClientConfig<M>): NizhalClient<M> {
  if (config.pullLimit !== undefined && !(Number.isInteger(config.pullLimit) && config.pullLimit >= 1)) {
    // the server would refuse every pull (400 MALFORMED_REQUEST), and the collections would never be ready
    throw new Error(`createNizhalClient: pullLimit must be a whole number of at least 1, not ${config.pullLimit}`);
  }
  const server = config.server.replace(/\/+$/, "");
  const transport = config.transport ?? new HttpTransport({
    server,
    auth: config.auth,
    ...(config.fetch ? { fetch: config.fetch } : {}),
    ...(config.WebSocket ? { WebSocket: config.WebSocket } : {}),
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
  });
  const browser = typeof window !== "undefined" && typeof indexedDB !== "undefined";
  let namespace = config.user;
  // one database (and lock and channel) per server and user; the parts are encoded so no two pairs share a name
  const storageName = () => `nizhal:${encodeURIComponent(server)}:${encodeURIComponent(namespace ?? "")}`;
  const storage: NizhalStorage = (() => {
    const choice = config.storage ?? (browser ? "indexeddb" : "memory");
    if (choice === "memory") return new MemoryStorage();
    if (choice === "indexeddb") return lazyIndexedDb(async () => {
      namespace ??= await subjectOf(config.auth);
      if (namespace === undefined) {
        // one store for every user would show one user's rows to the next, and send their writes as the next
        throw new Error(
          "createNizhalClient: local state is kept per user, and the token names none (not a JWT with a sub): pass `user`",
        );
      }
      return storageName();
    });
    return choice;
  })();
  const tabs = browser && (config.storage ?? "indexeddb") === "indexeddb";
  // the tabs that lead and talk share the storage's layout: a tab still running a bundle from before an upgrade of
  // IndexedDbStorage has its database closed by the upgrade, and must neither keep the lead nor be told of changes
  const lockName = () => `${storageName()}:v${IndexedDbStorage.VERSION}`;
  const engine = new NizhalEngine({
    transport,
    storage,
    auth: config.auth,
    ...(config.clock ? { clock: config.clock } : {}),
    ...(config.bucketsForSyncRule ? { bucketsForSyncRule: config.bucketsForSyncRule } : {}),
    mutators: (config.mutators ?? {}) as Record<string, ClientMutator<any>>,
    ...(config.keyColumns ? { keyColumns: config.keyColumns } : {}),
    ...(config.pollIntervalMs ? { pollIntervalMs: config.pollIntervalMs } : {}),
    ...(config.pullLimit !== undefined ? { pullLimit: config.pullLimit } : {}),
    ...(config.realtime === false ? { realtime: false } : {}),
    ...(config.onError ? { onError: config.onError } : {}),
    ...(tabs ? { leadership: deferredLeadership(lockName), channel: deferredChannel(lockName) } : {}),
  });
  const attached: Attached[] = [];

  /** The TanStack collections that show `collection` (of any rule). */
  const collectionsOf = (collection: string) =>
    attached.filter((a) => a.collection === collection).flatMap((a) => (a.tanstack() ? [a.tanstack()!] : []));

  const write = async (name: string, args: unknown): Promise<void> => {
    const effects = engine.preview(name, args);
    const targets = effects.flatMap((e) => collectionsOf(e.collection).map((c) => [c, e] as const));
    if (targets.length === 0) {
      const handle = await engine.mutate(name, args);
      return handle.confirmed;
    }
    let handle: Awaited<ReturnType<NizhalEngine["mutate"]>> | undefined;
    // TanStack's optimistic transaction shows the effect at once; its mutationFn appends the write to the outbox and
    // the engine's sync commit (issued before mutationFn returns) replaces the optimistic state without a flicker
    const tx = createTransaction({
      autoCommit: true,
      mutationFn: async () => {
        handle = await engine.mutate(name, args);
      },
    });
    tx.mutate(() => {
      for (const [collection, effect] of targets) showOptimistically(collection, effect);
    });
    await tx.isPersisted.promise;
    return handle!.confirmed;
  };

  const mutate = new Proxy({} as MutateProxy<M>, {
    get: (_, name) => (typeof name === "string" ? (args: unknown) => write(name, args) : undefined),
  });

  const onlineListeners: Array<[string, () => void]> = [];
  if (typeof window !== "undefined" && typeof window.addEventListener === "function") {
    onlineListeners.push(
      ["online", () => engine.setNetworkOnline(true)],
      ["offline", () => engine.setNetworkOnline(false)],
      ["focus", () => void engine.pullAll()],
    );
    for (const [event, listener] of onlineListeners) window.addEventListener(event, listener);
    if (typeof navigator !== "undefined" && navigator.onLine === false) engine.setNetworkOnline(false);
  }
  engine.start().catch((error: unknown) => (config.onError ? config.onError(error) : console.error("nizhal:", error)));

  const client: NizhalClient<M> & { [ATTACH]: (a: Attached) => void } = {
    engine,
    mutate,
    write,
    status: () => engine.status(),
    onStatus: (listener) => engine.onStatus(listener),
    refresh: () => engine.pullAll(),
    dismissRejected: (id, clientId) => engine.dismissRejected(id, clientId),
    close: () => {
      for (const [event, listener] of onlineListeners) window.removeEventListener(event, listener);
      engine.stop();
      storage.close();
    },
    [ATTACH]: (a) => attached.push(a),
  };
  return client;
}

const ATTACH = Symbol("nizhal.attach");

/** Shows one effect in a TanStack collection inside an optimistic transaction. */
function showOptimistically(collection: Collection<Row, string>, effect: Effect): void {
  const exists = collection.has(effect.key);
  if (effect.op === "delete") {
    if (exists) collection.delete(effect.key);
  } else if (exists) {
    collection.update(effect.key, (draft: Record<string, unknown>) => {
      for (const column of Object.keys(draft)) if (!(column in effect.row)) delete draft[column];
      Object.assign(draft, effect.row);
    });
  } else {
    collection.insert(effect.row);
  }
}

/** How a collection's own insert/update/delete become named mutators (TanStack's onInsert/onUpdate/onDelete style). */
export interface CollectionWrites<T extends Row> {
  insert?: (row: T) => { name: string; args: unknown };
  update?: (row: T, previous: T) => { name: string; args: unknown };
  delete?: (key: string, previous: T) => { name: string; args: unknown };
}

export interface NizhalCollectionConfig<T extends Row, M extends MutatorArgs> {
  /** The server's collection (its table) in the rule; also the TanStack collection's id unless `id` is set. */
  name: string;
  syncRule: string;
  echo: NizhalClient<M>;
  id?: string;
  /** Maps `collection.insert/update/delete` to mutators; without it those throw (write through `echo.mutate`). */
  writes?: CollectionWrites<T>;
}

export interface NizhalCollectionUtils extends UtilsRecord {
  /** Waits until write `id` is confirmed. */
  awaitConfirmation: (id: number) => Promise<void>;
  /** Pulls this collection's rule now. */
  refresh: () => Promise<void>;
  status: () => SyncStatus;
}

/**
 * Options for TanStack DB's `createCollection`: a collection that shows one (rule, collection) of the server, with
 * pending writes rebased over the server's rows by the engine.
 */
export function nizhalCollectionOptions<T extends Row = Row, M extends MutatorArgs = MutatorArgs>(
  config: NizhalCollectionConfig<T, M>,
): CollectionConfig<T, string, never, NizhalCollectionUtils> & { utils: NizhalCollectionUtils } {
  const { echo, syncRule: rule, name: collection } = config;
  const engine = echo.engine;
  let instance: Collection<Row, string> | undefined;
  (echo as unknown as { [ATTACH]: (a: Attached) => void })[ATTACH]({ rule, collection, tanstack: () => instance });

  const writeThrough = async (
    mutations: Array<PendingMutation<T>>,
    toWrite: (m: PendingMutation<T>) => { name: string; args: unknown } | undefined,
    kind: string,
  ) => {
    // the transaction's writes go into the outbox together (one storage transaction), or none of them does
    const writes = mutations.map((m) => {
      const target = toWrite(m);
      if (!target) {
        throw new Error(
          `collection ${collection}: no mutator for ${kind}; map it in nizhalCollectionOptions({writes}) or use echo.mutate`,
        );
      }
      const key = String(m.key);
      const effect: Effect =
        m.type === "delete"
          ? { op: "delete", collection, key }
          : { op: "put", collection, key, row: { ...(m.modified as Row) } };
      return { name: target.name, args: target.args, effects: [effect] };
    });
    await engine.mutateMany(writes);
  };

  return {
    id: config.id ?? `${rule}.${collection}`,
    getKey: (row: T) => engine.keyOf(collection, row),
    sync: {
      rowUpdateMode: "full",
      sync: ({ begin, write, commit, markReady, truncate, collection: self }) => {
        instance = self as unknown as Collection<Row, string>;
        let marked = false;
        const apply = (batches: ViewBatch[], ready: string[]) => {
          const mine = batches.filter((b) => b.rule === rule && b.collection === collection);
          if (mine.length > 0) {
            begin();
            for (const batch of mine) {
              if (batch.truncate) truncate({ markReady: false });
              for (const change of batch.changes) {
                if (change.value === undefined) write({ type: "delete", key: change.key });
                else write({ type: "update", value: change.value as T });
              }
            }
            commit(); // not awaited: during an optimistic write it waits for that write's own handler
          }
          if (!marked && ready.includes(rule)) {
            marked = true;
            markReady();
          }
        };
        const unsubscribe = engine.subscribe(apply);
        void engine.attach(rule, collection);
        return () => {
          unsubscribe();
          instance = undefined;
        };
      },
    },
    onInsert: async ({ transaction }) =>
      writeThrough(transaction.mutations as Array<PendingMutation<T>>, (m) => config.writes?.insert?.(m.modified), "insert"),
    onUpdate: async ({ transaction }) =>
      writeThrough(
        transaction.mutations as Array<PendingMutation<T>>,
        (m) => config.writes?.update?.(m.modified, m.original as T),
        "update",
      ),
    onDelete: async ({ transaction }) =>
      writeThrough(
        transaction.mutations as Array<PendingMutation<T>>,
        (m) => config.writes?.delete?.(String(m.key), m.original as T),
        "delete",
      ),
    utils: {
      awaitConfirmation: (id: number) => engine.awaitConfirmation(id),
      refresh: () => engine.pull(rule),
      status: () => engine.status(),
    },
  };
}

/** The token's `sub` (with its `iss`), to keep each user's local state apart; undefined when it names none. */
async function subjectOf(auth: Auth): Promise<string | undefined> {
  try {
    const headers = await auth.getHeaders();
    const bearer = Object.entries(headers).find(([n]) => n.toLowerCase() === "authorization")?.[1] ?? "";
    const payload = bearer.replace(/^Bearer\s+/i, "").split(".")[1] ?? "";
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { sub?: unknown; iss?: unknown };
    if (typeof json.sub === "string") return typeof json.iss === "string" ? `${json.iss}/${json.sub}` : json.sub;
  } catch {
    // not a JWT
  }
  return undefined;
}

/** IndexedDB storage opened on first use, once its name (the user) is known. */
function lazyIndexedDb(name: () => Promise<string>): NizhalStorage {
  let opened: Promise<IndexedDbStorage> | undefined;
  const open = () => (opened ??= name().then((n) => IndexedDbStorage.open(n)));
  return {
    read: async (fn) => (await open()).read(fn),
    write: async (fn, options) => (await open()).write(fn, options),
    close: () => void opened?.then((s) => s.close(), () => undefined), // never opened: nothing to close
  };
}

/** Leadership by Web Lock, named once the user is known (the first storage access waits for it). */
function deferredLeadership(name: () => string) {
  let inner: ReturnType<typeof webLockLeadership> | undefined;
  const listeners: Array<(leader: boolean) => void> = [];
  return {
    isLeader: () => inner?.isLeader() ?? false,
    onChange: (listener: (leader: boolean) => void) => {
      listeners.push(listener);
      if (!inner) {
        inner = webLockLeadership(`${name()}:leader`);
        inner.onChange((leader) => listeners.forEach((l) => l(leader)));
      }
    },
    close: () => inner?.close(),
  };
}

function deferredChannel(name: () => string) {
  let inner: ReturnType<typeof broadcastChannel> | undefined;
  const get = () => (inner ??= broadcastChannel(`${name()}:tabs`));
  return {
    post: (message: Parameters<ReturnType<typeof broadcastChannel>["post"]>[0]) => get().post(message),
    onMessage: (listener: Parameters<ReturnType<typeof broadcastChannel>["onMessage"]>[0]) => get().onMessage(listener),
    close: () => inner?.close(),
  };
}
