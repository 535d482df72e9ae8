import type { Meta, NizhalStorage, OutboxEntry, RuleState, StorageTx, StoredRow } from "./storage.js";

/**
 * Storage in memory, for tests and Node. Transactions run one at a time, and a failed write transaction leaves
 * nothing behind (each change records how to undo it; a failure undoes them in reverse).
 */
export class MemoryStorage implements NizhalStorage {
  private readonly state: State = { meta: undefined, rules: new Map(), rows: new Map(), outbox: new Map() };
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  read<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    return this.run(() => fn(new MemoryTx(this.state, false)));
  }

  write<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    return this.run(async () => {
      const undo: Array<() => void> = [];
      try {
        return await fn(new MemoryTx(this.state, true, undo));
      } catch (e) {
        for (const step of undo.reverse()) step();
        throw e;
      }
    });
  }

  close(): void {
    this.closed = true;
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the storage is closed"));
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

interface State {
  meta: Meta | undefined;
  rules: Map<string, RuleState>;
  /** rule → (collection + key) → row */
  rows: Map<string, Map<string, StoredRow>>;
  outbox: Map<number, OutboxEntry>;
}

/** Sets `key` of `map` to `value` (undefined: deletes it), recording how to put back what was there. */
function change<K, V>(map: Map<K, V>, key: K, value: V | undefined, undo: Array<() => void>): void {
  const had = map.has(key);
  const before = map.get(key);
  undo.push(() => (had ? map.set(key, before as V) : map.delete(key)));
  if (value === undefined) map.delete(key);
  else map.set(key, value);
}

const rowId = (collection: string, key: string) => `${collection}\u0000${key}`;

class MemoryTx implements StorageTx {
  constructor(
    private readonly s: State,
    private readonly writable: boolean,
    private readonly undo: Array<() => void> = [],
  ) {}

  private check(): void {
    if (!this.writable) throw new Error("a read transaction cannot write");
  }

  async meta() {
    return this.s.meta && structuredClone(this.s.meta);
  }
  async putMeta(meta: Meta) {
    this.check();
    const before = this.s.meta;
    this.undo.push(() => (this.s.meta = before));
    this.s.meta = structuredClone(meta);
  }
  async ruleState(rule: string) {
    const state = this.s.rules.get(rule);
    return state && structuredClone(state);
  }
  async ruleStates() {
    return [...this.s.rules.values()].map((r) => structuredClone(r));
  }
  async putRuleState(state: RuleState) {
    this.check();
    change(this.s.rules, state.rule, structuredClone(state), this.undo);
  }
  async rows(rule: string) {
    return [...(this.s.rows.get(rule)?.values() ?? [])].map((r) => structuredClone(r));
  }
  async row(rule: string, collection: string, key: string) {
    const row = this.s.rows.get(rule)?.get(rowId(collection, key));
    return row && structuredClone(row);
  }
  async putRow(row: StoredRow) {
    this.check();
    let byKey = this.s.rows.get(row.rule);
    if (!byKey) change(this.s.rows, row.rule, (byKey = new Map()), this.undo);
    change(byKey, rowId(row.collection, row.key), structuredClone(row), this.undo);
  }
  async deleteRow(rule: string, collection: string, key: string) {
    this.check();
    const byKey = this.s.rows.get(rule);
    if (byKey) change(byKey, rowId(collection, key), undefined, this.undo);
  }
  async clearRows(rule: string) {
    this.check();
    change(this.s.rows, rule, undefined, this.undo);
  }
  async outbox() {
    return [...this.s.outbox.values()].sort((a, b) => a.id - b.id).map((e) => structuredClone(e));
  }
  async outboxEntry(id: number) {
    const entry = this.s.outbox.get(id);
    return entry && structuredClone(entry);
  }
  async outboxRange(from: number, to: number) {
    const inRange = (id: number) => id >= from && id <= to;
    return [...this.s.outbox.keys()].filter(inRange).sort((a, b) => a - b).map((id) => structuredClone(this.s.outbox.get(id)!));
  }
  async putOutbox(entry: OutboxEntry) {
    this.check();
    change(this.s.outbox, entry.id, structuredClone(entry), this.undo);
  }
  async deleteOutbox(id: number) {
    this.check();
    change(this.s.outbox, id, undefined, this.undo);
  }
  async deleteOutboxRange(from: number, to: number) {
    this.check();
    for (const id of [...this.s.outbox.keys()]) if (id >= from && id <= to) change(this.s.outbox, id, undefined, this.undo);
  }
  async clearOutbox() {
    this.check();
    const before = new Map(this.s.outbox);
    this.undo.push(() => {
      for (const [id, entry] of before) this.s.outbox.set(id, entry);
    });
    this.s.outbox.clear();
  }
}
