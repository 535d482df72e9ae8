import type { Row } from "./protocol.js";
import type { Effect, OutboxEntry, StoredRow } from "./storage.js";

/**
 * What a client mutator sees and does: the rows as they would be with every earlier pending write applied.
 * Effects are absolute (put the whole row, delete a key), so recomputing them over new server rows is harmless.
 */
export interface EffectTx {
  get(collection: string, key: string): Row | undefined;
  /** Every row of a collection, in no particular order. */
  list(collection: string): Row[];
  /** Inserts or replaces the row; its key comes from the collection's key columns. */
  put(collection: string, row: Row): void;
  delete(collection: string, key: string): void;
  /** The key of `row` in `collection`, by its key columns. */
  keyOf(collection: string, row: Row): string;
}

/** The optimistic effect of a mutator on the client: the same name and args as the server's mutator. */
export type ClientMutator<A = never> = (tx: EffectTx, args: A) => void;

/** A view is one (sync rule, collection) pair: what one TanStack collection shows. */
export const viewId = (rule: string, collection: string) => `${rule}\u0000${collection}`;

export interface ViewChange {
  key: string;
  /** The row now shown, or undefined when the key is no longer shown. */
  value: Row | undefined;
}

/** The changes of one view in one batch; `truncate` replaces everything the view showed. */
export interface ViewBatch {
  rule: string;
  collection: string;
  truncate: boolean;
  changes: ViewChange[];
}

/**
 * Server rows per view, plus the overlay of pending writes rebased over them, and what was last shown: turns a change
 * of either into the minimal list of row changes per view.
 */
export class RowViews {
  /** view → key → stored server row */
  private readonly server = new Map<string, Map<string, StoredRow>>();
  /** view → key → row or null (deleted by a pending write) */
  private overlay = new Map<string, Map<string, Row | null>>();
  /** view → key → row last handed to listeners */
  private readonly shown = new Map<string, Map<string, Row>>();
  /** collection → rules that have it */
  private readonly rulesOf = new Map<string, Set<string>>();

  constructor(
    private readonly mutators: Record<string, ClientMutator<any>>,
    private readonly keyColumns: Readonly<Record<string, readonly string[]>>,
    private readonly onMutatorError: (entry: OutboxEntry, error: unknown) => void,
  ) {}

  /** Declares that `rule` has `collection`, so that writes to that collection show in its view. */
  declare(rule: string, collection: string): void {
    let rules = this.rulesOf.get(collection);
    if (!rules) this.rulesOf.set(collection, (rules = new Set()));
    rules.add(rule);
  }

  views(): Array<{ rule: string; collection: string }> {
    const out: Array<{ rule: string; collection: string }> = [];
    for (const [collection, rules] of this.rulesOf) for (const rule of rules) out.push({ rule, collection });
    return out;
  }

  /** The protocol's row key: the key column as text, or the JSON array of the key columns' JSON values. */
  keyOf(collection: string, row: Row): string {
    const columns = this.keyColumns[collection] ?? ["id"];
    if (columns.length === 1) return textOf(row[columns[0]!]);
    return JSON.stringify(columns.map((c) => row[c] ?? null)); // as the server's '[' || to_jsonb(part) || ... || ']'
  }

  serverRow(rule: string, collection: string, key: string): StoredRow | undefined {
    return this.server.get(viewId(rule, collection))?.get(key);
  }

  serverRows(rule: string): StoredRow[] {
    const out: StoredRow[] = [];
    for (const [id, rows] of this.server) if (id.startsWith(rule + "\u0000")) out.push(...rows.values());
    return out;
  }

  /** Replaces a rule's server rows (after a reset, or on reload). Returns the view ids touched. */
  replaceRule(rule: string, rows: StoredRow[]): Set<string> {
    const touched = new Set<string>();
    for (const id of [...this.server.keys()]) {
      if (id.startsWith(rule + "\u0000")) {
        touched.add(id);
        this.server.delete(id);
      }
    }
    for (const row of rows) touched.add(this.setServer(row));
    return touched;
  }

  /** Replaces a rule's server rows with `rows`, returning only the keys whose row or presence changed, per view. */
  syncRule(rule: string, rows: StoredRow[]): Map<string, Set<string>> {
    const changed = new Map<string, Set<string>>();
    const incoming = new Map<string, Map<string, StoredRow>>();
    for (const row of rows) {
      this.declare(row.rule, row.collection);
      const id = viewId(row.rule, row.collection);
      let keys = incoming.get(id);
      if (!keys) incoming.set(id, (keys = new Map()));
      keys.set(row.key, row);
    }
    for (const [id, existing] of this.server) {
      if (!id.startsWith(rule + "\u0000")) continue;
      const now = incoming.get(id);
      for (const key of existing.keys()) if (!now?.has(key)) addKeys(changed, id, [key]);
      if (!now) this.server.delete(id);
    }
    for (const [id, keys] of incoming) {
      const existing = this.server.get(id);
      for (const [key, row] of keys) {
        const before = existing?.get(key);
        if (!before || !deepEqual(before.row, row.row) || !deepEqual(before.buckets, row.buckets)) addKeys(changed, id, [key]);
      }
      this.server.set(id, keys);
    }
    return changed;
  }

  setServer(row: StoredRow): string {
    this.declare(row.rule, row.collection);
    const id = viewId(row.rule, row.collection);
    let rows = this.server.get(id);
    if (!rows) this.server.set(id, (rows = new Map()));
    rows.set(row.key, row);
    return id;
  }

  deleteServer(rule: string, collection: string, key: string): void {
    this.server.get(viewId(rule, collection))?.delete(key);
  }

  /**
   * Rebases `entries` (the writes still shown, in id order) over the server rows and returns the changes to show,
   * per view: keys of `changedServerKeys` and keys the old or new overlay touched, plus whole views in `truncated`.
   */
  recompute(
    entries: OutboxEntry[],
    changedServerKeys: Map<string, Set<string>>,
    truncated: Set<string> = new Set(),
  ): ViewBatch[] {
    const previous = this.overlay;
    this.overlay = this.rebase(entries);
    const candidates = new Map<string, Set<string>>();
    for (const [id, keys] of changedServerKeys) addKeys(candidates, id, keys);
    for (const [id, keys] of previous) addKeys(candidates, id, keys.keys());
    for (const [id, keys] of this.overlay) addKeys(candidates, id, keys.keys());

    const batches: ViewBatch[] = [];
    for (const id of truncated) {
      const [rule, collection] = id.split("\u0000") as [string, string];
      const rows = new Map<string, Row>();
      for (const key of this.keysOf(id)) {
        const value = this.display(id, key);
        if (value !== undefined) rows.set(key, value);
      }
      this.shown.set(id, rows);
      batches.push({
        rule,
        collection,
        truncate: true,
        changes: [...rows].map(([key, value]) => ({ key, value })),
      });
      candidates.delete(id);
    }
    return [...batches, ...this.diff(candidates)];
  }

  /**
   * Shows one more write on top of the overlay. Nothing under it changed (a new write comes last), so only the keys
   * it touches are compared: appending stays O(its effects) however long the outbox is.
   */
  append(entry: OutboxEntry): ViewBatch[] {
    const touched = new Map<string, Set<string>>();
    const record = (effect: Effect) => {
      for (const rule of this.rulesOf.get(effect.collection) ?? []) {
        addKeys(touched, viewId(rule, effect.collection), [effect.key]);
      }
    };
    if (entry.effects) {
      for (const effect of entry.effects) {
        this.applyTo(this.overlay, effect);
        record(effect);
      }
    } else {
      const mutator = this.mutators[entry.name];
      try {
        mutator?.(this.effectTx(this.overlay, record), entry.args as never);
      } catch (e) {
        this.onMutatorError(entry, e);
      }
    }
    return this.diff(touched);
  }

  /** Compares what `candidates` show now with what was last shown, and remembers the new state. */
  private diff(candidates: Map<string, Set<string>>): ViewBatch[] {
    const batches: ViewBatch[] = [];
    for (const [id, keys] of candidates) {
      const [rule, collection] = id.split("\u0000") as [string, string];
      let shown = this.shown.get(id);
      if (!shown) this.shown.set(id, (shown = new Map()));
      const changes: ViewChange[] = [];
      for (const key of keys) {
        const value = this.display(id, key);
        const before = shown.get(key);
        if (value === undefined) {
          if (before !== undefined) {
            shown.delete(key);
            changes.push({ key, value: undefined });
          }
        } else if (before === undefined || !deepEqual(before, value)) {
          shown.set(key, value);
          changes.push({ key, value });
        }
      }
      if (changes.length > 0) batches.push({ rule, collection, truncate: false, changes });
    }
    return batches;
  }

  /** Everything a view shows now (what a collection that starts late loads). */
  snapshot(rule: string, collection: string): Map<string, Row> {
    return new Map(this.shown.get(viewId(rule, collection)) ?? []);
  }

  /** The row a view shows for `key`, with pending writes applied. */
  display(id: string, key: string): Row | undefined {
    const overlaid = this.overlay.get(id);
    if (overlaid?.has(key)) return overlaid.get(key) ?? undefined;
    return this.server.get(id)?.get(key)?.row;
  }

  /** The row of `collection` as a client mutator sees it: the first view that has the collection. */
  current(collection: string, key: string): Row | undefined {
    for (const rule of this.rulesOf.get(collection) ?? []) {
      const value = this.display(viewId(rule, collection), key);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  private keysOf(id: string): Set<string> {
    return new Set([...(this.server.get(id)?.keys() ?? []), ...(this.overlay.get(id)?.keys() ?? [])]);
  }

  /** The effects of mutator `name` with `args` over what is shown now (nothing when no client mutator is declared). */
  preview(name: string, args: unknown): Effect[] {
    const mutator = this.mutators[name];
    if (!mutator) return [];
    const effects: Effect[] = [];
    const scratch = new Map<string, Map<string, Row | null>>();
    for (const [id, keys] of this.overlay) scratch.set(id, new Map(keys));
    mutator(this.effectTx(scratch, (effect) => effects.push(effect)), args as never);
    return effects;
  }

  private rebase(entries: OutboxEntry[]): Map<string, Map<string, Row | null>> {
    const overlay = new Map<string, Map<string, Row | null>>();
    const tx = this.effectTx(overlay, () => undefined);
    for (const entry of entries) {
      if (entry.effects) {
        entry.effects.forEach((e) => this.applyTo(overlay, e));
        continue;
      }
      const mutator = this.mutators[entry.name];
      if (!mutator) continue; // no optimistic effect declared: the write shows when the server has it
      try {
        mutator(tx, entry.args as never);
      } catch (e) {
        this.onMutatorError(entry, e);
      }
    }
    return overlay;
  }

  private applyTo(overlay: Map<string, Map<string, Row | null>>, effect: Effect): void {
    for (const rule of this.rulesOf.get(effect.collection) ?? []) {
      const id = viewId(rule, effect.collection);
      let keys = overlay.get(id);
      if (!keys) overlay.set(id, (keys = new Map()));
      keys.set(effect.key, effect.op === "put" ? effect.row : null);
    }
  }

  /** A mutator's view of the server rows with `overlay` on top; its writes go to `overlay` and to `record`. */
  private effectTx(overlay: Map<string, Map<string, Row | null>>, record: (effect: Effect) => void): EffectTx {
    const apply = (effect: Effect) => {
      this.applyTo(overlay, effect);
      record(effect);
    };
    const read = (collection: string, key: string): Row | undefined => {
      for (const rule of this.rulesOf.get(collection) ?? []) {
        const id = viewId(rule, collection);
        const keys = overlay.get(id);
        if (keys?.has(key)) return keys.get(key) ?? undefined;
        const row = this.server.get(id)?.get(key)?.row;
        if (row !== undefined) return row;
      }
      return undefined;
    };
    return {
      get: (collection, key) => {
        const row = read(collection, key);
        return row && { ...row };
      },
      list: (collection) => {
        const keys = new Set<string>();
        for (const rule of this.rulesOf.get(collection) ?? []) {
          const id = viewId(rule, collection);
          for (const k of this.server.get(id)?.keys() ?? []) keys.add(k);
          for (const k of overlay.get(id)?.keys() ?? []) keys.add(k);
        }
        return [...keys].flatMap((k) => {
          const row = read(collection, k);
          return row ? [{ ...row }] : [];
        });
      },
      put: (collection, row) => apply({ op: "put", collection, key: this.keyOf(collection, row), row: { ...row } }),
      delete: (collection, key) => apply({ op: "delete", collection, key }),
      keyOf: (collection, row) => this.keyOf(collection, row),
    };
  }
}

function addKeys(into: Map<string, Set<string>>, id: string, keys: Iterable<string>): void {
  let set = into.get(id);
  if (!set) into.set(id, (set = new Set()));
  for (const k of keys) set.add(k);
}

/** The protocol's key text of a key column value. */
function textOf(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
