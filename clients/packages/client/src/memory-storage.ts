import type { Meta, NizhalStorage, OutboxEntry, RuleState, StorageTx, StoredRow } from "./storage.js";

/**
 * Storage in memory, for tests and Node. Transactions run one at a time, and a failed write transaction leaves
 * nothing behind (its changes go to a copy that replaces the state only on success).
 */
export class MemoryStorage implements NizhalStorage {
  private state: State = { meta: undefined, rules: new Map(), rows: new Map(), outbox: new Map() };
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  read<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    return this.run(() => fn(new MemoryTx(this.state, false)));
  }

  write<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    return this.run(async () => {
      const copy = cloneState(this.state);
      const result = await fn(new MemoryTx(copy, true));
      this.state = copy;
      return result;
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

function cloneState(s: State): State {
  const rows = new Map<string, Map<string, StoredRow>>();
  for (const [rule, byKey] of s.rows) rows.set(rule, new Map(byKey));
  return { meta: s.meta, rules: new Map(s.rules), rows, outbox: new Map(s.outbox) };
}

const rowId = (collection: string, key: string) => `${collection}\u0000${key}`;

class MemoryTx implements StorageTx {
  constructor(
    private readonly s: State,
    private readonly writable: boolean,
  ) {}

  private check(): void {
    if (!this.writable) throw new Error("a read transaction cannot write");
  }

  async meta() {
    return this.s.meta && structuredClone(this.s.meta);
  }
  async putMeta(meta: Meta) {
    this.check();
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
    this.s.rules.set(state.rule, structuredClone(state));
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
    if (!byKey) this.s.rows.set(row.rule, (byKey = new Map()));
    byKey.set(rowId(row.collection, row.key), structuredClone(row));
  }
  async deleteRow(rule: string, collection: string, key: string) {
    this.check();
    this.s.rows.get(rule)?.delete(rowId(collection, key));
  }
  async clearRows(rule: string) {
    this.check();
    this.s.rows.delete(rule);
  }
  async outbox() {
    return [...this.s.outbox.values()].sort((a, b) => a.id - b.id).map((e) => structuredClone(e));
  }
  async outboxEntry(id: number) {
    const entry = this.s.outbox.get(id);
    return entry && structuredClone(entry);
  }
  async putOutbox(entry: OutboxEntry) {
    this.check();
    this.s.outbox.set(entry.id, structuredClone(entry));
  }
  async deleteOutbox(id: number) {
    this.check();
    this.s.outbox.delete(id);
  }
  async clearOutbox() {
    this.check();
    this.s.outbox.clear();
  }
}
