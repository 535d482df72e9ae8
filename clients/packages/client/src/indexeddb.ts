import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from "idb";
import type { Meta, NizhalStorage, OutboxEntry, RuleState, StorageTx, StoredRow } from "./storage.js";

interface Schema extends DBSchema {
  meta: { key: string; value: Meta };
  rules: { key: string; value: RuleState };
  rows: { key: [string, string, string]; value: StoredRow; indexes: { byRule: string } };
  outbox: { key: number; value: OutboxEntry };
}

type Stores = ("meta" | "rules" | "rows" | "outbox")[];
const ALL: Stores = ["meta", "rules", "rows", "outbox"];

/**
 * Storage in IndexedDB (through `idb`), one database per server and actor. Every transaction spans all stores, so
 * read-write transactions are serialized, also across tabs: the id allocation and the compare-and-set of a pull
 * are atomic. Write transactions ask for `durability: 'strict'`.
 */
export class IndexedDbStorage implements NizhalStorage {
  private constructor(private readonly db: IDBPDatabase<Schema>) {}

  /** Opens (or creates) the database `name`, e.g. `nizhal:https://api.example.com:alice`. */
  static async open(name: string, factory?: IDBFactory): Promise<IndexedDbStorage> {
    const previous = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    // idb opens through the global factory; a test may pass another one (fake-indexeddb). openDB calls
    // indexedDB.open before it returns, so the global is put back at once, before another open can interleave.
    if (factory) (globalThis as { indexedDB?: IDBFactory }).indexedDB = factory;
    let opening: Promise<IDBPDatabase<Schema>>;
    try {
      opening = openDB<Schema>(name, 1, {
        upgrade(database) {
          database.createObjectStore("meta");
          database.createObjectStore("rules", { keyPath: "rule" });
          const rows = database.createObjectStore("rows", { keyPath: ["rule", "collection", "key"] });
          rows.createIndex("byRule", "rule");
          database.createObjectStore("outbox", { keyPath: "id" });
        },
        blocking() {
          // a newer version wants to open: let it
          db.close();
        },
      });
    } finally {
      if (factory) (globalThis as { indexedDB?: IDBFactory }).indexedDB = previous;
    }
    const db = await opening;
    return new IndexedDbStorage(db);
  }

  async read<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    const tx = this.db.transaction(ALL, "readonly");
    const result = await fn(new IdbTx(tx));
    await tx.done;
    return result;
  }

  async write<T>(fn: (tx: StorageTx) => Promise<T>, options?: { flush?: boolean }): Promise<T> {
    const tx = this.db.transaction(ALL, "readwrite", { durability: options?.flush === false ? "relaxed" : "strict" });
    let result: T;
    try {
      result = await fn(new IdbTx(tx));
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
  constructor(private readonly tx: IDBPTransaction<Schema, Stores, IDBTransactionMode>) {}

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
    return this.tx.objectStore("rows").index("byRule").getAll(rule);
  }
  async row(rule: string, collection: string, key: string) {
    return this.tx.objectStore("rows").get([rule, collection, key]);
  }
  async putRow(row: StoredRow) {
    await this.tx.objectStore("rows").put!(row);
  }
  async deleteRow(rule: string, collection: string, key: string) {
    await this.tx.objectStore("rows").delete!([rule, collection, key]);
  }
  async clearRows(rule: string) {
    const store = this.tx.objectStore("rows");
    await store.delete!(IDBKeyRange.bound([rule], [rule, []]));
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
