import type { Row } from "./protocol.js";

/**
 * Where a client keeps its state: one instance per server and actor (the next user of the same browser gets their
 * own). IndexedDB in browsers ({@link ./indexeddb.ts}), memory in tests and Node ({@link MemoryStorage}); later
 * wa-sqlite or op-sqlite behind the same interface.
 *
 * A `write` transaction must be atomic and isolated against other writers of the same storage, also in other tabs:
 * the mutation id allocation (read meta, increment, append to the outbox) and the compare-and-set of a pull
 * response rely on it. Its function may await only the transaction's own requests.
 */
export interface NizhalStorage {
  read<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T>;
  /**
   * `flush: false` may skip waiting for the disk (IndexedDB's relaxed durability): for writes a crash may lose because
   * they are redone (a push outcome is replayed, a pull response is pulled again); never for a new write.
   */
  write<T>(fn: (tx: StorageTx) => Promise<T>, options?: { flush?: boolean }): Promise<T>;
  close(): void;
}

export interface StorageTx {
  meta(): Promise<Meta | undefined>;
  putMeta(meta: Meta): Promise<void>;

  ruleState(rule: string): Promise<RuleState | undefined>;
  /** Every rule this client syncs: a tab that starts a collection of a new rule stores its state at once. */
  ruleStates(): Promise<RuleState[]>;
  putRuleState(state: RuleState): Promise<void>;

  /** Rows of a rule, every collection. */
  rows(rule: string): Promise<StoredRow[]>;
  row(rule: string, collection: string, key: string): Promise<StoredRow | undefined>;
  /** The storage may read `row` until `write()` has settled: the caller leaves it as it is until then. */
  putRow(row: StoredRow): Promise<void>;
  deleteRow(rule: string, collection: string, key: string): Promise<void>;
  clearRows(rule: string): Promise<void>;

  /** The outbox in id order. */
  outbox(): Promise<OutboxEntry[]>;
  outboxEntry(id: number): Promise<OutboxEntry | undefined>;
  /** The entries with `from` ≤ id ≤ `to`, in id order (one request: a push's outcomes are recorded with it). */
  outboxRange(from: number, to: number): Promise<OutboxEntry[]>;
  putOutbox(entry: OutboxEntry): Promise<void>;
  deleteOutbox(id: number): Promise<void>;
  /**
   * Deletes the entries with `from` ≤ id ≤ `to` (one request: a pull may confirm thousands of writes at once).
   * Optional: without it, the engine deletes them one by one.
   */
  deleteOutboxRange?(from: number, to: number): Promise<void>;
  clearOutbox(): Promise<void>;
}

/** The client id and its mutation sequence, always replaced together; plus the writes the server refused. */
export interface Meta {
  clientId: string;
  /** The id the next write gets. */
  nextMutationId: number;
  /** The most recent refused writes, newest last, for the app to show (capped). */
  rejected: RejectedWrite[];
  /** How many times the client id was replaced (renumbering): a rule drained since then has seen every older write. */
  epoch?: number;
  /** Writes applied under a replaced client id: shown until every rule has drained since the replacement. */
  lingering?: OutboxEntry[];
  /**
   * The server has answered every write of `clientId` up to id `through`: those still in the outbox were applied (the
   * refused ones left it), whatever their stored status says. One record per answered batch instead of a rewrite of
   * each of its entries; see {@link asAnswered}.
   */
  answered?: { clientId: string; through: number };
}

export interface RejectedWrite {
  /** The write's own id, stable across a renumbering (its promise waits on it). */
  uid?: string;
  id: number;
  clientId: string;
  name: string;
  args: unknown;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  at: number;
}

export interface RuleState {
  rule: string;
  cursor: string | null;
  /** Buckets named in `loadedBuckets` since the last reset, minus those revoked. */
  held: string[];
  /** `lastMutationId` of the last drained response applied (0 before any). */
  confirmed: number;
  /** True once a drained response has been applied since the last reset. */
  ready: boolean;
  /** The client's epoch (Meta.epoch) when this rule last applied a drained response. */
  epoch?: number;
}

export interface StoredRow {
  rule: string;
  collection: string;
  key: string;
  row: Row;
  buckets: string[];
}

/**
 * A local write. `pending`: to send; its effect shows. `skip`: dropped locally, sent as `nizhal.skip` to use up its
 * id. `applied`: the server applied it; its effect shows until every synced rule confirms it. An entry is also applied
 * when {@link Meta.answered} covers it: read entries through {@link asAnswered}.
 */
export interface OutboxEntry {
  /** Stable across a renumbering of the client id (its promise waits on it, in every tab). */
  uid?: string;
  id: number;
  clientId: string;
  name: string;
  args: unknown;
  createdAt: number;
  status: "pending" | "skip" | "applied";
  /** The effect as data, for writes made through a collection's insert/update/delete; else the client mutator's. */
  effects?: Effect[];
}

/** An absolute change to the local state (applying it twice is harmless). */
export type Effect =
  | { op: "put"; collection: string; key: string; row: Row }
  | { op: "delete"; collection: string; key: string };

export const MAX_REJECTED_KEPT = 50;

/** The id up to which the server has answered every write of `meta`'s current client id (0: none known). */
export function answeredThrough(meta: Meta | undefined): number {
  return meta?.answered && meta.answered.clientId === meta.clientId ? meta.answered.through : 0;
}

/**
 * An outbox entry as read from storage, with `meta`'s record of answered writes applied to its status. A pending entry
 * that `meta` lists as refused is not taken as applied: its refusal left the outbox in a transaction whose deletion did
 * not reach the disk while a later record did (a crash with relaxed durability); sent again, the server replays the
 * refusal.
 */
export function asAnswered(entry: OutboxEntry, meta: Meta | undefined): OutboxEntry {
  if (entry.status === "applied" || entry.clientId !== meta?.clientId || entry.id > answeredThrough(meta)) return entry;
  if (entry.status === "pending" && meta.rejected.some((r) => r.clientId === entry.clientId && uidOf(r) === uidOf(entry))) return entry;
  return { ...entry, status: "applied" };
}

/** The stable identity of a write (entries stored before uids existed fall back to client id and mutation id). */
export function uidOf(entry: { uid?: string; clientId: string; id: number }): string {
  return entry.uid ?? `${entry.clientId}:${entry.id}`;
}
