import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from "idb";
import type { Row } from "./protocol.js";
import type { Meta, NizhalStorage, OutboxEntry, RuleState, StorageTx, StoredRow } from "./storage.js";

interface Schema extends DBSchema {
  meta: { key: string; value: Meta };
  rules: { key: string; value: RuleState };
  segments: { key: [string, number]; value: Segment };
  segmentInfo: { key: string; value: SegmentInfo };
  outbox: { key: number; value: OutboxEntry };
}

/** A row as a segment holds it: its value and buckets, or neither for a row deleted. */
interface SegmentEntry {
  collection: string;
  key: string;
  row?: Row;
  buckets?: string[];
}

/**
 * Some of a rule's rows, in one record. IndexedDB spends most of a write on each record (Chromium: about 50 µs a
 * record, whatever its size), so rows are kept in segments: a rule's rows are its segments replayed in `seq` order,
 * each entry replacing or deleting the row of its collection and key.
 */
interface Segment {
  rule: string;
  seq: number;
  entries: SegmentEntry[];
}

/**
 * Where a rule's segments stand. `base`: the entries of the segments written by the last compaction (its rows then,
 * one entry each), `baseSegments` their number; `since`: the entries written after them, `deleted` those of them that
 * delete a row. Segments from `baseSegments` to `nextSeq` hold a transaction's changes each, or a merge of them.
 */
interface SegmentInfo {
  rule: string;
  nextSeq: number;
  base: number;
  baseSegments: number;
  since: number;
  deleted?: number;
}

type Stores = ("meta" | "rules" | "segments" | "segmentInfo" | "outbox")[];
const ALL: Stores = ["meta", "rules", "segments", "segmentInfo", "outbox"];

/** Entries a segment holds at most (a compaction writes the rule's rows in segments this size). */
const SEGMENT_ENTRIES = 1_000;
/**
 * A rule's rows are written anew once the entries written since its base outnumber this many times the base, plus
 * {@link COMPACT_ENTRIES} (or its deletions since half the base, plus as many; or a merge is due and they outnumber the
 * base once). Rows a load adds are no garbage, and at 1 a load of many pages wrote its rows about twice (100,000 rows
 * in pages of 5,000: 0.93-1.0 s of storage writes, 0.48-0.52 s without compaction; at 3, the rewrites are about a
 * third of the rows).
 */
const COMPACT_FACTOR = 3;
const COMPACT_ENTRIES = 1_000;
/** Segments after the base that are merged into a few (a startup reads them all; the base is not read). */
const COMPACT_SEGMENTS = 500;

const ruleRange = (rule: string) => IDBKeyRange.bound([rule], [rule, []]);
const rowId = (collection: string, key: string) => `${collection}\u0000${key}`;

/**
 * Storage in IndexedDB (through `idb`), one database per server and actor. Every transaction spans all stores, so
 * read-write transactions are serialized, also across tabs: the id allocation and the compare-and-set of a pull
 * are atomic. Write transactions ask for `durability: 'strict'`. Rows are kept in segments ({@link Segment}): the
 * row changes of a write transaction are written when its function is done, as one segment per rule (or a few), so a
 * pull response of thousands of rows is a few records, not thousands.
 */
export class IndexedDbStorage implements NizhalStorage {
  private constructor(private readonly db: IDBPDatabase<Schema>) {}

  /** The database's version: rows in segments since 2 (version 1 kept a record a row). */
  static readonly VERSION = 2;

  /**
   * Opens (or creates) the database `name`, e.g. `nizhal:https://api.example.com:alice`. A version 1 database's rows
   * move into segments; should that fail (a full disk: for a while both copies are kept), they are dropped instead, and
   * each rule loads again from the server (its cursor reset), the outbox and the rest kept.
   */
  static async open(name: string, factory?: IDBFactory): Promise<IndexedDbStorage> {
    let moveFailed: unknown;
    try {
      return new IndexedDbStorage(await openVersion2(name, factory, (e) => (moveFailed ??= e)));
    } catch (e) {
      if (moveFailed === undefined) throw e;
      console.warn("nizhal: the stored rows could not be moved to this version's layout; they load again", moveFailed);
      return new IndexedDbStorage(await openVersion2(name, factory, undefined));
    }
  }

  async read<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    const tx = this.db.transaction(ALL, "readonly");
    const result = await fn(new IdbTx(tx, false));
    await tx.done;
    return result;
  }

  async write<T>(fn: (tx: StorageTx) => Promise<T>, options?: { flush?: boolean }): Promise<T> {
    const tx = this.db.transaction(ALL, "readwrite", { durability: options?.flush === false ? "relaxed" : "strict" });
    const idbTx = new IdbTx(tx, true);
    let result: T;
    try {
      result = await fn(idbTx);
      await idbTx.writeSegments();
    } catch (e) {
      try {
        tx.abort();
      } catch {
        // already finished
      }
      await tx.done.catch(() => undefined);
      throw e;
    }
    await tx.done;
    return result;
  }

  close(): void {
    this.db.close();
  }
}

class IdbTx implements StorageTx {
  /**
   * The row changes of this transaction not written yet, per rule: a row, or null for a row deleted. Written as
   * segments by {@link writeSegments} once the transaction's function is done.
   */
  private readonly changes = new Map<string, Map<string, StoredRow | null>>();

  constructor(
    private readonly tx: IDBPTransaction<Schema, Stores, IDBTransactionMode>,
    private readonly writable: boolean,
  ) {}

  async meta() {
    return this.tx.objectStore("meta").get("meta");
  }
  async putMeta(meta: Meta) {
    await this.tx.objectStore("meta").put!(meta, "meta");
  }
  async ruleState(rule: string) {
    return this.tx.objectStore("rules").get(rule);
  }
  async ruleStates() {
    return this.tx.objectStore("rules").getAll();
  }
  async putRuleState(state: RuleState) {
    await this.tx.objectStore("rules").put!(state);
  }
  async rows(rule: string) {
    return this.current(rule, structuredClone);
  }
  /** Reads every segment of the rule (the engine reads rows a rule at a time). */
  async row(rule: string, collection: string, key: string) {
    const id = rowId(collection, key);
    const changed = this.changes.get(rule);
    if (changed?.has(id)) {
      const row = changed.get(id);
      return row ? structuredClone(row) : undefined;
    }
    return (await this.stored(rule)).get(id);
  }
  async putRow(row: StoredRow) {
    // not copied: StorageTx.putRow's callers leave it as it is until write() settles, and a segment's put copies it
    this.changesOf(row.rule).set(rowId(row.collection, row.key), row);
  }
  async deleteRow(rule: string, collection: string, key: string) {
    this.changesOf(rule).set(rowId(collection, key), null);
  }
  async clearRows(rule: string) {
    this.changes.delete(rule);
    await this.tx.objectStore("segments").delete!(ruleRange(rule));
    await this.tx.objectStore("segmentInfo").delete!(rule);
  }

  /**
   * Writes the row changes of this transaction, per rule: as one more segment (more past {@link SEGMENT_ENTRIES}); or,
   * once the rule has {@link COMPACT_SEGMENTS} segments after its base, with them as a few (tombstones kept, the base
   * not read); or as the rule's rows anew, one entry a row (see {@link COMPACT_FACTOR}; what a first load does at once).
   */
  async writeSegments() {
    const segments = this.tx.objectStore("segments");
    const infos = this.tx.objectStore("segmentInfo");
    for (const [rule, changes] of this.changes) {
      const info = (await infos.get(rule)) ?? { rule, nextSeq: 0, base: 0, baseSegments: 0, since: 0 };
      let deletes = 0;
      for (const row of changes.values()) if (!row) deletes++;
      const since = info.since + changes.size;
      const deleted = (info.deleted ?? 0) + deletes;
      const merge = info.nextSeq - info.baseSegments >= COMPACT_SEGMENTS;
      let next: SegmentInfo;
      if (
        since > COMPACT_FACTOR * info.base + COMPACT_ENTRIES ||
        deleted > info.base / 2 + COMPACT_ENTRIES ||
        (merge && since >= info.base)
      ) {
        // the rule's rows anew: the entries since outnumber the base (a merge would rewrite more than it keeps), or
        // the deletions took much of it
        const rows = await this.current(rule, (row) => row);
        await segments.delete!(ruleRange(rule));
        const count = await putSegments(segments, rule, 0, rows.map(entryOf));
        next = { rule, nextSeq: count, base: rows.length, baseSegments: count, since: 0, deleted: 0 };
      } else if (merge) {
        // the segments after the base merged into a few: they hold fewer entries than the base, which is not read
        const tail = IDBKeyRange.bound([rule, info.baseSegments], [rule, info.nextSeq], false, true);
        const merged = new Map<string, SegmentEntry>();
        for (const segment of await segments.getAll(tail)) {
          for (const e of segment.entries) merged.set(rowId(e.collection, e.key), e);
        }
        for (const [id, row] of changes) merged.set(id, row ? entryOf(row) : deletion(id));
        await segments.delete!(tail);
        const entries = [...merged.values()];
        const count = await putSegments(segments, rule, info.baseSegments, entries);
        const kept = entries.filter((e) => !e.row).length;
        next = { ...info, nextSeq: info.baseSegments + count, since: entries.length, deleted: kept };
      } else {
        const entries: SegmentEntry[] = [];
        for (const [id, row] of changes) entries.push(row ? entryOf(row) : deletion(id));
        const count = await putSegments(segments, rule, info.nextSeq, entries);
        next = { ...info, nextSeq: info.nextSeq + count, since, deleted };
      }
      await infos.put!(next);
    }
    this.changes.clear();
  }

  private changesOf(rule: string): Map<string, StoredRow | null> {
    if (!this.writable) throw new DOMException("a row written in a read transaction", "ReadOnlyError");
    let changes = this.changes.get(rule);
    if (!changes) this.changes.set(rule, (changes = new Map()));
    return changes;
  }

  /** The rule's rows with this transaction's changes; `copy` makes what is handed out of a change. */
  private async current(rule: string, copy: (row: StoredRow) => StoredRow): Promise<StoredRow[]> {
    const rows = await this.stored(rule);
    for (const [id, row] of this.changes.get(rule) ?? []) {
      if (row) rows.set(id, copy(row));
      else rows.delete(id);
    }
    return [...rows.values()];
  }

  /** The rule's rows as its segments hold them (not this transaction's changes), by {@link rowId}. */
  private async stored(rule: string): Promise<Map<string, StoredRow>> {
    const rows = new Map<string, StoredRow>();
    for (const segment of await this.tx.objectStore("segments").getAll(ruleRange(rule))) {
      for (const e of segment.entries) {
        const id = rowId(e.collection, e.key);
        if (e.row) rows.set(id, { rule, collection: e.collection, key: e.key, row: e.row, buckets: e.buckets ?? [] });
        else rows.delete(id);
      }
    }
    return rows;
  }

  async outbox() {
    return this.tx.objectStore("outbox").getAll();
  }
  async outboxEntry(id: number) {
    return this.tx.objectStore("outbox").get(id);
  }
  async outboxRange(from: number, to: number) {
    if (from > to) return [];
    return this.tx.objectStore("outbox").getAll(IDBKeyRange.bound(from, to));
  }
  async putOutbox(entry: OutboxEntry) {
    await this.tx.objectStore("outbox").put!(entry);
  }
  async deleteOutbox(id: number) {
    await this.tx.objectStore("outbox").delete!(id);
  }
  async deleteOutboxRange(from: number, to: number) {
    if (from > to) return;
    await this.tx.objectStore("outbox").delete!(IDBKeyRange.bound(from, to));
  }
  async clearOutbox() {
    await this.tx.objectStore("outbox").clear!();
  }
}

/**
 * Opens `name` at version 2. From version 1: with `moveFailed`, its rows move into segments (a failure is passed to it
 * and aborts the upgrade); without, they are dropped and every rule's cursor reset, so that it loads again.
 */
function openVersion2(
  name: string,
  factory: IDBFactory | undefined,
  moveFailed: ((error: unknown) => void) | undefined,
): Promise<IDBPDatabase<Schema>> {
  const previous = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  // idb opens through the global factory; a test may pass another one (fake-indexeddb). openDB calls
  // indexedDB.open before it returns, so the global is put back at once, before another open can interleave.
  if (factory) (globalThis as { indexedDB?: IDBFactory }).indexedDB = factory;
  try {
    const opening: Promise<IDBPDatabase<Schema>> = openDB<Schema>(name, IndexedDbStorage.VERSION, {
      upgrade(database, oldVersion, _newVersion, transaction) {
        // an aborted upgrade rejects the open, which the caller handles. A browser may refuse the move only when the
        // transaction commits (Chromium checks the quota then): any failure of a move's transaction is the move's
        transaction.done.catch((e: unknown) => {
          if (oldVersion === 1) moveFailed?.(e);
        });
        if (oldVersion < 1) {
          database.createObjectStore("meta");
          database.createObjectStore("rules", { keyPath: "rule" });
          database.createObjectStore("outbox", { keyPath: "id" });
        }
        database.createObjectStore("segments", { keyPath: ["rule", "seq"] });
        database.createObjectStore("segmentInfo", { keyPath: "rule" });
        if (oldVersion !== 1) return;
        // version 1 kept a record a row: in this upgrade's transaction, its rows move into segments, or go
        const upgrade = moveFailed ? fromRecordPerRow(transaction) : reloadRules(transaction);
        upgrade
          .then(() => (database as unknown as IDBDatabase).deleteObjectStore("rows"))
          .catch((e: unknown) => {
            moveFailed?.(e);
            try {
              transaction.abort();
            } catch {
              // already aborted (a request's failure aborts it)
            }
          });
      },
      blocking() {
        // a newer version wants to open: let it
        void opening.then((db) => db.close());
      },
    });
    return opening;
  } finally {
    if (factory) (globalThis as { indexedDB?: IDBFactory }).indexedDB = previous;
  }
}

function entryOf(row: StoredRow): SegmentEntry {
  return { collection: row.collection, key: row.key, row: row.row, buckets: row.buckets };
}

function deletion(id: string): SegmentEntry {
  const at = id.indexOf("\u0000");
  return { collection: id.slice(0, at), key: id.slice(at + 1) };
}

/** Puts `entries` in segments of the rule from `seq` on; how many it put. */
async function putSegments(
  segments: { put?: (value: Segment) => Promise<[string, number]> },
  rule: string,
  seq: number,
  entries: SegmentEntry[],
): Promise<number> {
  const puts: Array<Promise<unknown>> = [];
  for (let at = 0; at < entries.length; at += SEGMENT_ENTRIES) {
    puts.push(segments.put!({ rule, seq: seq + puts.length, entries: entries.slice(at, at + SEGMENT_ENTRIES) }));
  }
  await Promise.all(puts); // issued together: a transaction runs its requests in order
  return puts.length;
}

/** Version 1's rows, a record each in the store `rows` (key [rule, collection, key]), written as segments. */
async function fromRecordPerRow(transaction: IDBPTransaction<Schema, Stores, "versionchange">): Promise<void> {
  const byRule = new Map<string, SegmentEntry[]>();
  for (const row of await version1Rows(transaction).getAll()) {
    let entries = byRule.get(row.rule);
    if (!entries) byRule.set(row.rule, (entries = []));
    entries.push(entryOf(row));
  }
  for (const [rule, entries] of byRule) {
    const count = await putSegments(transaction.objectStore("segments"), rule, 0, entries);
    const info = { rule, nextSeq: count, base: entries.length, baseSegments: count, since: 0, deleted: 0 };
    await transaction.objectStore("segmentInfo").put(info);
  }
}

/** Instead of moving version 1's rows: every rule loads again (no cursor, nothing held, not ready). */
async function reloadRules(transaction: IDBPTransaction<Schema, Stores, "versionchange">): Promise<void> {
  const rules = transaction.objectStore("rules");
  for (const state of await rules.getAll()) await rules.put({ ...state, cursor: null, held: [], ready: false });
}

function version1Rows(transaction: IDBPTransaction<Schema, Stores, "versionchange">) {
  type Version1 = { rows: { key: [string, string, string]; value: StoredRow } };
  return (transaction as unknown as IDBPTransaction<Version1, ["rows"], "versionchange">).objectStore("rows");
}
