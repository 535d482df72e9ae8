import { Backoff, systemClock, type Clock } from "./clock.js";
import {
  NizhalError,
  SKIP_MUTATOR,
  type BucketFilter,
  type MutationOutcome,
  type PullHead,
  type PullRequest,
  type PullResponse,
  type PushMutation,
} from "./protocol.js";
import {
  MAX_REJECTED_KEPT,
  answeredThrough,
  asAnswered,
  type Effect,
  type Meta,
  type NizhalStorage,
  type OutboxEntry,
  type RejectedWrite,
  type RuleState,
  type StorageTx,
  type StoredRow,
  uidOf,
} from "./storage.js";
import type { Auth, Transport } from "./transport.js";
import { RowViews, viewId, type ClientMutator, type ViewBatch } from "./view.js";
import { RealtimeLink } from "./realtime.js";
import { alwaysLeader, noChannel, type Leadership, type TabChannel, type TabMessage } from "./tabs.js";

/** The pull's `limit` unless {@link EngineOptions.pullLimit} says otherwise: the server's largest. */
export const DEFAULT_PULL_LIMIT = 5_000;

export interface EngineOptions {
  transport: Transport;
  storage: NizhalStorage;
  /**
   * The rules this client syncs; a write is confirmed once every one of them has confirmed it. Collections add their
   * rule when they start ({@link NizhalEngine.attach}).
   */
  syncRules?: string[];
  /** The collections of each rule, when known before the first pull (a write to them shows at once). */
  collections?: Record<string, string[]>;
  /** Narrows a rule to some of its buckets (the pull's and the hello's `buckets`); undefined = all granted. */
  bucketsForSyncRule?: (rule: string) => BucketFilter[] | undefined;
  /** Optimistic effects of mutators by name. A write without one shows when the server has applied it. */
  mutators?: Record<string, ClientMutator<any>>;
  /** Key columns per collection (default `["id"]`), as `/nizhal/contract` gives them. */
  keyColumns?: Readonly<Record<string, readonly string[]>>;
  /** For the stream's hello (its token) and the 4401 refresh. */
  auth?: Auth;
  clock?: Clock;
  /**
   * Changes per pull response: 5,000 by default, the server's largest (a server set lower lowers it). Each response
   * costs a request and a storage transaction, so a fresh device loads a large rule about twice as fast as at the
   * server's default of 1,000; the server bounds a response by size too (about 4 MiB of rows).
   */
  pullLimit?: number;
  /** Mutations per push (the server's limit is 100). */
  batchSize?: number;
  /** How often to pull while the realtime stream is not there. */
  pollIntervalMs?: number;
  /** Open `/sync/stream` for pokes (default true). */
  realtime?: boolean;
  newClientId?: () => string;
  /** Which tab drains the outbox and talks to the server (default: this one). */
  leadership?: Leadership;
  /** Tells other tabs of this client about changes in storage (default: none). */
  channel?: TabChannel;
  /** Reports unexpected failures (a client mutator that throws, a storage error). */
  onError?: (error: unknown) => void;
}

export interface SyncStatus {
  /** The last request reached the server (false after a network failure or an offline event). */
  online: boolean;
  /** The realtime stream is open and ready. */
  streaming: boolean;
  /** This tab drains the outbox. */
  leader: boolean;
  /** Writes not yet confirmed (sent or not). */
  pending: number;
  /** Writes not yet answered by the server. */
  unsent: number;
  /** Writes the server refused, newest last, until dismissed. */
  rejected: RejectedWrite[];
  /** Rules whose first drained pull has been applied. */
  ready: string[];
  lastError?: { code: string; message: string };
}

type Write = { name: string; args: unknown; effects?: Effect[] };

/** A pull sent by a load's loop, and the pull it asked ahead for the page after, if any. */
interface Sent {
  request: PullRequest;
  answer: Promise<PullResponse>;
  /** The loop waits for this answer: its head may ask for the next page. */
  taken: boolean;
  head?: PullHead;
  next?: Sent;
}

interface AppendCall {
  writes: Write[];
  resolve(handles: WriteHandle[]): void;
  reject(error: unknown): void;
}

/** Calls of {@link NizhalEngine.mutateMany} waiting for one storage transaction. */
interface AppendGroup {
  calls: AppendCall[];
  /** Their writes. */
  size: number;
}

/** The writes of calls one outbox transaction takes at most (a call's own writes are never split). */
const MAX_GROUP_WRITES = 1_000;

export interface WriteHandle {
  id: number;
  /** Resolves once every synced rule has applied a response that contains the write; rejects if the server refused it. */
  confirmed: Promise<void>;
}

type BatchListener = (batches: ViewBatch[], ready: string[]) => void;
type StatusListener = (status: SyncStatus) => void;

interface Waiter {
  resolve: () => void;
  reject: (e: NizhalError) => void;
}

const randomClientId = () =>
  "c-" +
  (globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);

/**
 * The protocol engine: pull loops per rule, the outbox and its drain, the realtime stream, and the rebase of pending
 * writes over the server's rows. It owns no timer of its own (time comes from the clock) and imports nothing of
 * TanStack: {@link subscribe} hands out row changes per (rule, collection).
 */
export class NizhalEngine {
  private readonly clock: Clock;
  private readonly views: RowViews;
  private readonly leadership: Leadership;
  private readonly channel: TabChannel;
  private readonly batchListeners = new Set<BatchListener>();
  private readonly statusListeners = new Set<StatusListener>();
  private readonly waiters = new Map<string, Waiter>();

  private meta!: Meta;
  private readonly rules = new Map<string, RuleState>();
  /** The rules this client syncs: those of the options, plus those collections attached later. */
  private readonly syncRules: Set<string>;
  private outbox: OutboxEntry[] = [];
  /**
   * The tail of the chain of this tab's storage steps ({@link exclusive}): each step is a storage transaction and the
   * change of memory (outbox, meta, rules, views) that follows from it.
   */
  private steps: Promise<unknown> = Promise.resolve();
  private loaded: Promise<void> | undefined;
  private stopped = false;
  /** The calls of mutate waiting for the next outbox transaction (group commit), while it has not begun. */
  private nextAppend: AppendGroup | undefined;
  /** A re-read of the outbox asked for by other tabs' messages, waiting for its turn. */
  private outboxReload: Promise<void> | undefined;

  private online = true;
  /** The environment says the network is down (the browser's offline event): no request is tried until it is up. */
  private networkDown = false;
  private lastError: { code: string; message: string } | undefined;
  private batchSize: number;

  private readonly pulling = new Set<string>();
  private readonly pullAgain = new Set<string>();
  private readonly pullBackoff = new Map<string, Backoff>();
  private readonly pullRetry = new Map<string, () => void>();
  private readonly pullWaiters = new Map<string, Array<() => void>>();
  private readonly fatalRules = new Map<string, NizhalError>();

  private pushing = false;
  /** The highest id this session has sent (ids go out in order): a write up to it may be on the server already. */
  private maxAttempted = 0;
  /** Rules poked (or polled) while the outbox drained: pulled when it ends. */
  private readonly pullAfterDrain = new Set<string>();
  /** A push applied writes that no pull of every rule has confirmed yet. */
  private appliedSincePull = false;
  private pushAgain = false;
  private readonly pushBackoff: Backoff;
  private cancelPushRetry: (() => void) | undefined;

  private readonly realtime: RealtimeLink;

  constructor(private readonly options: EngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.syncRules = new Set(options.syncRules ?? []);
    this.batchSize = Math.min(options.batchSize ?? 100, 100);
    this.leadership = options.leadership ?? alwaysLeader();
    this.channel = options.channel ?? noChannel();
    this.pushBackoff = new Backoff(this.clock);
    this.realtime = new RealtimeLink(options.transport, this.clock, options, {
      rules: () => [...this.syncRules],
      clientId: () => this.meta?.clientId,
      canConnect: () => this.isLeading() && !this.networkDown,
      pullAll: () => this.syncRules.forEach((rule) => this.pullSoon(rule)),
      pull: (rule) => this.pullSoon(rule),
      ready: () => this.setOnline(true),
      refused: (error) => this.noteError(error),
      changed: () => this.emitStatus(),
      report: (error) => this.report(error),
    });
    this.views = new RowViews(options.mutators ?? {}, options.keyColumns ?? {}, (entry, error) =>
      this.report(new Error(`the client mutator ${entry.name} failed on write ${entry.id}: ${error}`)),
    );
    for (const [rule, collections] of Object.entries(options.collections ?? {})) {
      for (const collection of collections) this.views.declare(rule, collection);
    }
  }

  // ---------------------------------------------------------------- life cycle

  /** Loads the stored state, shows it, and (in the leading tab) starts pulling, pushing and listening. */
  start(): Promise<void> {
    if (!this.loaded) {
      this.loaded = this.exclusive(() => this.load()).then(() => {
        this.channel.onMessage((message) => void this.onTabMessage(message));
        this.leadership.onChange((leader) => this.onLeadership(leader, true));
        if (this.leadership.isLeader()) this.onLeadership(true, false);
      });
    }
    return this.loaded;
  }

  /**
   * Stops pulling, pushing and listening. The promises of writes not yet confirmed reject with `CLIENT_STOPPED`: the
   * writes themselves stay in the outbox (in storage), and a client started again over the same storage sends them.
   */
  stop(): void {
    this.stopped = true;
    for (const uid of [...this.waiters.keys()]) this.settle(uid, stoppedBeforeConfirmation());
    this.realtime.stop();
    this.cancelPushRetry?.();
    for (const cancel of this.pullRetry.values()) cancel();
    this.pullRetry.clear();
    this.channel.close();
    this.leadership.close();
  }

  /** The browser's online/offline events: online resumes at once, offline stops retrying until then. */
  setNetworkOnline(online: boolean): void {
    this.networkDown = !online;
    if (online) {
      this.cancelPushRetry?.();
      this.cancelPushRetry = undefined;
      this.pushBackoff.reset();
      this.realtime.resetBackoff();
      for (const b of this.pullBackoff.values()) b.reset();
      if (this.isLeading()) {
        this.kickPush();
        this.pullAll();
        this.realtime.connect();
      }
    } else {
      this.setOnline(false);
      this.realtime.disconnect();
    }
  }

  /** Pulls every rule now (on focus, say). */
  pullAll(): Promise<void> {
    return Promise.all([...this.syncRules].map((rule) => this.pull(rule))).then(() => undefined);
  }

  // ---------------------------------------------------------------- reading

  subscribe(listener: BatchListener): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    listener(this.status());
    return () => this.statusListeners.delete(listener);
  }

  status(): SyncStatus {
    let pending = 0;
    let unsent = 0;
    for (const entry of this.outbox) {
      if (entry.status !== "skip") pending++;
      if (entry.status !== "applied") unsent++;
    }
    return {
      online: this.online,
      streaming: this.realtime.ready,
      leader: this.isLeading(),
      pending,
      unsent,
      rejected: [...(this.meta?.rejected ?? [])],
      ready: [...this.rules.values()].filter((r) => r.ready).map((r) => r.rule),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  isReady(rule: string): boolean {
    return this.rules.get(rule)?.ready ?? false;
  }

  /** Declares a collection of a rule (a TanStack collection does so when it starts). */
  declare(rule: string, collection: string): void {
    this.views.declare(rule, collection);
  }

  /**
   * Starts showing `collection` of `rule`: loads the rule's stored rows if the rule is new to this client (and then
   * syncs it), and hands every listener the view's whole state as a truncating batch.
   */
  async attach(rule: string, collection: string): Promise<void> {
    await this.start();
    this.views.declare(rule, collection);
    const views = new Set([viewId(rule, collection)]);
    const added = !this.syncRules.has(rule);
    if (added) {
      this.syncRules.add(rule);
      // stored at once: confirmation waits for this rule too, and the leading tab (maybe another) pulls it
      await this.exclusive(async () => {
        const { state, rows } = await this.options.storage.write(async (tx) => {
          let stored = await tx.ruleState(rule);
          if (!stored) {
            stored = { rule, cursor: null, held: [], confirmed: 0, ready: false };
            await tx.putRuleState(stored);
          }
          return { state: stored, rows: await tx.rows(rule) };
        });
        this.rules.set(rule, state);
        for (const id of this.views.replaceRule(rule, rows)) views.add(id);
      });
      this.channel.post({ type: "rules" });
    }
    this.publish(new Map(), views, this.isReady(rule) ? [rule] : []);
    if (added && this.isLeading()) {
      void this.pull(rule);
      this.realtime.rulesChanged();
    }
  }

  /** The effect a client mutator would have now, as data (what a collection shows optimistically at once). */
  preview(name: string, args: unknown): Effect[] {
    return this.views.preview(name, args);
  }

  /** What a view shows now. */
  snapshot(rule: string, collection: string) {
    return this.views.snapshot(rule, collection);
  }

  keyOf(collection: string, row: Record<string, unknown>): string {
    return this.views.keyOf(collection, row);
  }

  /** The row a collection shows now, with pending writes applied. */
  current(collection: string, key: string) {
    return this.views.current(collection, key);
  }

  get clientId(): string {
    return this.meta.clientId;
  }

  // ---------------------------------------------------------------- writing

  /**
   * Appends a write to the outbox (its id allocated in the same storage transaction), shows its effect, and has the
   * leading tab send it. `effects` are the write's effect as data (a collection's insert/update/delete); without them
   * the client mutator of that name computes it.
   */
  async mutate(name: string, args: unknown, effects?: Effect[]): Promise<WriteHandle> {
    return (await this.mutateMany([{ name, args, ...(effects ? { effects } : {}) }]))[0]!;
  }

  /**
   * Appends several writes at once: consecutive ids, all stored by one storage transaction (one disk flush, not one a
   * write) or none; then each shows and goes out as {@link mutate}'s would. A TanStack DB transaction of many
   * mutations is such a batch.
   */
  async mutateMany(given: ReadonlyArray<{ name: string; args: unknown; effects?: Effect[] }>): Promise<WriteHandle[]> {
    const writes = [...given]; // as called: the caller may change its array while this waits for storage
    if (this.stopped) {
      const what = writes.length === 1 ? `the write ${writes[0]!.name} was` : `${writes.length} writes were`;
      throw new NizhalError("CLIENT_STOPPED", `the client is stopped: ${what} not made`, false);
    }
    if (writes.length === 0) return [];
    await this.start();
    const handles = await this.appendGrouped(writes);
    if (!this.stopped) {
      // stopped meanwhile: the writes are stored for the next client, and the channel is closed
      this.channel.post({ type: "outbox" });
      this.kickPush();
    }
    return handles;
  }

  /**
   * Group commit: calls made while the outbox's storage transaction of earlier ones is waiting or running share the
   * next one (one disk flush for an app's loop of writes it does not await one by one). Ids follow the calls' order.
   * If that transaction fails, each call of the group is stored alone, so one call's failure (args the storage cannot
   * keep) is its own. A group takes up to {@link MAX_GROUP_WRITES} writes; a call that would pass it starts the next.
   */
  private appendGrouped(writes: Write[]): Promise<WriteHandle[]> {
    let group = this.nextAppend;
    if (!group || (group.size > 0 && group.size + writes.length > MAX_GROUP_WRITES)) {
      const created: AppendGroup = { calls: [], size: 0 };
      this.nextAppend = group = created;
      void this.exclusive(async () => {
        if (this.nextAppend === created) this.nextAppend = undefined; // later calls go to the next group
        await this.appendGroup(created.calls);
      });
    }
    group.size += writes.length;
    return new Promise<WriteHandle[]>((resolve, reject) => group.calls.push({ writes, resolve, reject }));
  }

  private async appendGroup(calls: AppendCall[]): Promise<void> {
    const stored: Array<OutboxEntry[] | undefined> = [];
    try {
      const entries = await this.store(calls.flatMap((c) => c.writes));
      let from = 0;
      for (const call of calls) stored.push(entries.slice(from, (from += call.writes.length)));
    } catch (e) {
      if (calls.length === 1) return calls[0]!.reject(e);
      for (const call of calls) {
        try {
          stored.push(await this.store(call.writes));
        } catch (error) {
          call.reject(error);
          stored.push(undefined);
        }
      }
    }
    const entries = stored.flatMap((e) => e ?? []);
    if (entries.length === 0) return;
    const { handles, failed } = this.track(entries);
    let from = 0;
    calls.forEach((call, i) => {
      if (!stored[i]) return;
      const to = from + call.writes.length;
      // a call whose own client mutator failed (and the app's onError threw) is told, as it was before the group
      const error = [...failed].find(([at]) => at >= from && at < to);
      if (error) call.reject(error[1]);
      else call.resolve(handles.slice(from, to));
      from = to;
    });
  }

  /** Puts `writes` in the outbox with the next ids, in one storage transaction. */
  private async store(writes: ReadonlyArray<Write>): Promise<OutboxEntry[]> {
    const entries = await this.options.storage.write(async (tx) => {
      const meta = await this.requireMeta(tx);
      const written: OutboxEntry[] = writes.map(({ name, args, effects }, i) => ({
        uid: randomUid(),
        id: meta.nextMutationId + i,
        clientId: meta.clientId,
        name,
        args: args === undefined ? {} : args,
        createdAt: this.clock.now(),
        status: "pending",
        ...(effects ? { effects } : {}),
      }));
      // issued together: a storage transaction runs its requests in order
      await Promise.all(written.map((entry) => tx.putOutbox(entry)));
      await tx.putMeta({ ...meta, nextMutationId: meta.nextMutationId + written.length });
      return written;
    });
    const last = entries[entries.length - 1]!;
    this.meta = { ...this.meta, clientId: last.clientId, nextMutationId: last.id + 1 };
    return entries;
  }

  /**
   * Shows stored writes and waits for their confirmation. What the app's code throws while an entry is shown (its
   * client mutator failed and `onError` threw) is that entry's, in `failed` by its index; the other entries are shown.
   */
  private track(entries: OutboxEntry[]): { handles: WriteHandle[]; failed: Map<number, unknown> } {
    // the bookkeeping of every stored write first: no user code (client mutators, onError) runs before it is done
    const handles = entries.map((entry) => {
      const confirmed = new Promise<void>((resolve, reject) => this.waiters.set(uidOf(entry), { resolve, reject }));
      confirmed.catch(() => undefined); // a refusal is also in status().rejected: ignoring the promise is allowed
      if (this.stopped) this.settle(uidOf(entry), stoppedBeforeConfirmation()); // stored, but no one will confirm it here
      this.outbox.push(entry);
      return { id: entry.id, confirmed };
    });
    const batches: ViewBatch[] = [];
    const failed = new Map<number, unknown>();
    entries.forEach((entry, i) => {
      try {
        batches.push(...this.views.append(entry));
      } catch (e) {
        failed.set(i, e);
      }
    });
    try {
      // in order, one batch list (a collection shows the writes in one sync transaction)
      this.emit(batches);
      this.emitStatus();
    } catch (e) {
      // a listener's fault, not the writes' (they are stored and shown): surfaced as an uncaught error, as a DOM
      // event listener's would be
      queueMicrotask(() => {
        throw e;
      });
    }
    return { handles, failed };
  }

  /**
   * Drops a write that has not been sent yet: its effect goes at once, its id is still sent as `nizhal.skip` (the
   * server's sequence has no gaps), and its promise rejects with `MUTATION_SKIPPED`. Returns false when the write was
   * already sent or is unknown.
   */
  async discard(id: number): Promise<boolean> {
    await this.start();
    const dropped = await this.exclusive(async () => {
      const clientId = this.meta.clientId;
      const entry = await this.options.storage.write(async (tx) => {
        const found = await tx.outboxEntry(id);
        const stored = found && asAnswered(found, await tx.meta());
        if (!stored || stored.clientId !== clientId || stored.status !== "pending" || id <= this.maxAttempted) return undefined;
        await tx.putOutbox({ ...stored, status: "skip" });
        return stored;
      });
      if (!entry) return false;
      this.outbox = this.outbox.map((e) => (uidOf(e) === uidOf(entry) ? { ...e, status: "skip" as const } : e));
      this.publish(new Map());
      this.settle(uidOf(entry), new NizhalError("MUTATION_SKIPPED", "the write was dropped before it was sent", false));
      return true;
    });
    if (!dropped) return false;
    this.channel.post({ type: "outbox" });
    this.kickPush();
    return true;
  }

  /** Removes a refused write from the list of rejected writes. */
  async dismissRejected(id: number, clientId = this.meta.clientId): Promise<void> {
    await this.exclusive(async () => {
      this.meta = await this.options.storage.write(async (tx) => {
        const meta = await this.requireMeta(tx);
        const next = { ...meta, rejected: meta.rejected.filter((r) => r.id !== id || r.clientId !== clientId) };
        await tx.putMeta(next);
        return next;
      });
    });
    this.emitStatus();
    this.channel.post({ type: "outbox" });
  }

  /** Waits until write `id` is confirmed (or rejects with the server's refusal). */
  awaitConfirmation(id: number): Promise<void> {
    const entry = this.outbox.find((e) => e.clientId === this.meta.clientId && e.id === id);
    if (entry) return this.waitFor(uidOf(entry));
    const refusal = this.meta.rejected.find((r) => r.clientId === this.meta.clientId && r.id === id);
    if (refusal) return Promise.reject(rejectionError(refusal));
    return id < this.meta.nextMutationId && id <= this.confirmedAll()
      ? Promise.resolve()
      : Promise.reject(new NizhalError("UNKNOWN_WRITE", `this client has no record of write ${id}`, false));
  }

  // ---------------------------------------------------------------- storage → memory

  private async load(): Promise<void> {
    const state = await this.options.storage.write(async (tx) => {
      const meta = await this.requireMeta(tx);
      const rules = await tx.ruleStates();
      for (const r of rules) this.syncRules.add(r.rule);
      const rows = [];
      for (const rule of this.syncRules) rows.push(...(await tx.rows(rule)));
      return { meta, rules, rows, outbox: await tx.outbox() };
    });
    this.meta = state.meta;
    for (const r of state.rules) this.rules.set(r.rule, r);
    for (const row of state.rows) this.views.setServer(row);
    this.outbox = state.outbox.map((e) => asAnswered(e, state.meta));
    const all = new Set(this.views.views().map((v) => viewId(v.rule, v.collection)));
    this.publish(new Map(), all, state.rules.filter((r) => r.ready).map((r) => r.rule));
  }

  /**
   * Runs `step` (a storage transaction and the change of memory that follows from it) once every earlier step of this
   * tab is done. Memory then changes in the order of this tab's transactions, and a snapshot read from storage is
   * never older than a change this tab has already made: a write appended meanwhile is not dropped (nor its promise
   * settled), one removed meanwhile does not come back, and a client id replaced meanwhile is not put back. A step
   * never waits for another step, nor for the network.
   */
  private exclusive<T>(step: () => Promise<T>): Promise<T> {
    const run = this.steps.then(step);
    this.steps = run.catch(() => undefined);
    return run;
  }

  private async requireMeta(tx: StorageTx): Promise<Meta> {
    const meta = await tx.meta();
    if (meta) return meta;
    const created: Meta = { clientId: this.newClientId(), nextMutationId: 1, rejected: [] };
    await tx.putMeta(created);
    return created;
  }

  private newClientId(): string {
    return (this.options.newClientId ?? randomClientId)();
  }

  /** Another tab changed storage: read it again (rules named, or the outbox and meta). */
  private async onTabMessage(message: TabMessage): Promise<void> {
    if (this.stopped) return;
    if (message.type === "rule") await this.reloadRule(message.rule);
    else if (message.type === "rules") await this.reloadRules();
    else await this.reloadOutboxOnce();
    if (this.isLeading()) this.kickPush();
  }

  private reloadRule(rule: string): Promise<void> {
    return this.exclusive(async () => {
      const { state, rows, meta, outbox } = await this.options.storage.read(async (tx) => ({
        state: await tx.ruleState(rule),
        rows: await tx.rows(rule),
        meta: await tx.meta(),
        outbox: await tx.outbox(),
      }));
      const wasReady = this.rules.get(rule)?.ready ?? false;
      if (state) this.rules.set(rule, state);
      else this.rules.delete(rule);
      if (meta) this.meta = meta;
      const changed = this.views.syncRule(rule, rows); // only what differs: a follower gets the leader's changes
      this.setOutbox(outbox.map((e) => asAnswered(e, meta)));
      this.publish(changed, undefined, state?.ready && !wasReady ? [rule] : []);
    });
  }

  /** Another tab started syncing a rule: sync it here too (the leader pulls it; confirmation waits for it). */
  private async reloadRules(): Promise<void> {
    const added = await this.exclusive(async () => {
      const states = await this.options.storage.read((tx) => tx.ruleStates());
      const fresh = states.filter((r) => !this.syncRules.has(r.rule));
      for (const r of fresh) this.syncRules.add(r.rule);
      return fresh;
    });
    for (const r of added) await this.reloadRule(r.rule);
    if (added.length > 0 && this.isLeading()) {
      for (const r of added) void this.pull(r.rule);
      this.realtime.rulesChanged();
    }
  }

  /**
   * Reads the outbox again for another tab's message, sharing a read that waits for its turn: that read comes after
   * the message's transaction, so it sees what the message announced. A leader that drains posts one message per
   * batch, and each full read of the outbox would hold its next recording back (IndexedDB serializes them).
   */
  private reloadOutboxOnce(): Promise<void> {
    this.outboxReload ??= this.exclusive(() => {
      this.outboxReload = undefined; // messages from now on may announce what this read misses
      return this.readOutbox();
    });
    return this.outboxReload;
  }

  private reloadOutbox(): Promise<void> {
    return this.exclusive(() => this.readOutbox());
  }

  private async readOutbox(): Promise<void> {
    const { meta, outbox } = await this.options.storage.read(async (tx) => ({
      meta: await tx.meta(),
      outbox: await tx.outbox(),
    }));
    if (meta) this.meta = meta;
    this.setOutbox(outbox.map((e) => asAnswered(e, meta)));
    this.publish(new Map());
  }

  /**
   * Replaces the outbox with the one read from storage, settling the waiters of writes that left it (another tab sent
   * them). Only within {@link exclusive}: then the snapshot holds every change this tab made.
   */
  private setOutbox(outbox: OutboxEntry[]): void {
    const present = new Set([...outbox, ...(this.meta.lingering ?? [])].map(uidOf));
    this.outbox = outbox;
    for (const [uid, waiter] of [...this.waiters]) {
      if (present.has(uid)) continue;
      const rejected = this.meta.rejected.find((r) => uidOf(r) === uid);
      this.waiters.delete(uid);
      if (rejected) waiter.reject(rejectionError(rejected));
      else waiter.resolve();
    }
  }

  // ---------------------------------------------------------------- showing

  /** The writes whose effect shows: not refused, not skipped, not yet confirmed by every rule. */
  private shownEntries(): OutboxEntry[] {
    const confirmed = this.confirmedAll();
    const current = this.outbox.filter((e) => this.isShown(e, confirmed));
    const lingering = this.meta.lingering ?? [];
    return lingering.length > 0 ? [...lingering, ...current] : current;
  }

  /** Whether an outbox entry's effect shows, with every rule having confirmed the writes up to `confirmed`. */
  private isShown(entry: OutboxEntry, confirmed: number): boolean {
    return entry.status !== "skip" && entry.clientId === this.meta.clientId && !(entry.id <= confirmed);
  }

  /** Confirmed by every synced rule; a rule that fails for good (reported in lastError) cannot hold writes back. */
  private confirmedAll(): number {
    let min = Number.MAX_SAFE_INTEGER;
    for (const rule of this.syncRules) {
      if (!this.fatalRules.has(rule)) min = Math.min(min, this.rules.get(rule)?.confirmed ?? 0);
    }
    return min === Number.MAX_SAFE_INTEGER ? 0 : min;
  }

  private isConfirmed(entry: OutboxEntry): boolean {
    return entry.clientId === this.meta.clientId && entry.id <= this.confirmedAll();
  }

  private publish(changedServerKeys: Map<string, Set<string>>, truncated?: Set<string>, ready: string[] = []): void {
    this.emit(this.views.recompute(this.shownEntries(), changedServerKeys, truncated), ready);
    this.emitStatus();
  }

  private emit(batches: ViewBatch[], ready: string[] = []): void {
    if (batches.length > 0 || ready.length > 0) {
      for (const listener of this.batchListeners) {
        try {
          listener(batches, ready);
        } catch (e) {
          this.report(e);
        }
      }
    }
  }

  private emitStatus(): void {
    if (this.statusListeners.size === 0) return;
    const status = this.status();
    for (const listener of this.statusListeners) listener(status);
  }

  // ---------------------------------------------------------------- pull

  /** Pulls `rule` until drained; concurrent calls share one loop, and a call during a loop makes it pull again. */
  pull(rule: string): Promise<void> {
    const done = new Promise<void>((resolve) => {
      const list = this.pullWaiters.get(rule) ?? [];
      list.push(resolve);
      this.pullWaiters.set(rule, list);
    });
    this.pullAgain.add(rule);
    const idle = !this.isLeading() || this.fatalRules.has(rule) || this.networkDown;
    if (!this.pulling.has(rule) && !idle) void this.runPull(rule);
    else if (idle && !this.pulling.has(rule)) this.settlePullWaiters(rule);
    return done;
  }

  /**
   * A pull asked for by a poke or the poll: while the outbox drains it waits for the drain's end (which pulls
   * anyway). Each of our own pushes pokes us, and pulling between batches would rebase the whole outbox each time.
   */
  private pullSoon(rule: string): void {
    if (this.pushing) this.pullAfterDrain.add(rule);
    else void this.pull(rule);
  }

  private settlePullWaiters(rule: string): void {
    const list = this.pullWaiters.get(rule) ?? [];
    this.pullWaiters.delete(rule);
    list.forEach((resolve) => resolve());
  }

  private async runPull(rule: string): Promise<void> {
    this.pulling.add(rule);
    this.pullRetry.get(rule)?.();
    this.pullRetry.delete(rule);
    let sentAs = "";
    try {
      await this.start();
      while (this.pullAgain.has(rule) && !this.stopped) {
        this.pullAgain.delete(rule);
        sentAs = this.meta.clientId;
        await this.pullUntilDrained(rule);
      }
      this.backoffFor(rule).reset();
      this.settlePullWaiters(rule);
    } catch (e) {
      const error = asNizhalError(e);
      this.noteError(error);
      this.settlePullWaiters(rule); // they waited for an attempt; retries go on below
      if (error.code === "UNKNOWN_SYNC_RULE" || error.code === "FORBIDDEN" || error.code === "UNSUPPORTED_PROTOCOL") {
        this.fatalRules.set(rule, error); // retrying cannot help; the app shows lastError
        this.publish(new Map()); // the rule no longer holds confirmations back
      } else {
        if (error.code === "CLIENT_ACTOR_MISMATCH") await this.quarantine(sentAs);
        if (!this.stopped) {
          const delay = this.backoffFor(rule).next(error.retryAfter);
          this.pullRetry.set(
            rule,
            this.clock.schedule(delay, () => {
              this.pullRetry.delete(rule);
              this.pullAgain.add(rule);
              if (!this.pulling.has(rule)) void this.runPull(rule);
            }),
          );
        }
      }
    } finally {
      this.pulling.delete(rule);
    }
  }

  private backoffFor(rule: string): Backoff {
    let b = this.pullBackoff.get(rule);
    if (!b) this.pullBackoff.set(rule, (b = new Backoff(this.clock)));
    return b;
  }

  private request(rule: string, cursor: string | null, held: string[]): PullRequest {
    const buckets = this.options.bucketsForSyncRule?.(rule);
    return {
      syncRule: rule,
      clientId: this.meta.clientId,
      cursor,
      held,
      ...(buckets ? { buckets } : {}),
      limit: this.options.pullLimit ?? DEFAULT_PULL_LIMIT,
    };
  }

  private async pullUntilDrained(rule: string): Promise<void> {
    const state = this.rules.get(rule);
    let request = this.request(rule, state?.cursor ?? null, state?.held ?? []);
    // a reset's pages are buffered until drained, then replace the rule's rows at once
    let resetPages: { first: PullRequest; pages: PullResponse[]; held: Set<string> } | undefined;
    /**
     * Pull ahead: while a page of a load is read and stored, the next one is asked for (the server serves it
     * meanwhile), as soon as the page's head has arrived if the transport tells, else once the page has. One page
     * ahead at most: the pull of a page asks for the one after only while the loop waits for it.
     */
    const send = (asked: PullRequest): Sent => {
      const sent: Sent = { request: asked, answer: undefined as unknown as Promise<PullResponse>, taken: false };
      sent.answer = this.options.transport.pull(asked, (head) => {
        sent.head = head;
        if (sent.taken) sendNext(sent, head);
      });
      sent.answer.catch(() => undefined); // a failure is seen where it is taken, not when it is dropped
      return sent;
    };
    const sendNext = (sent: Sent, head: PullHead) => {
      if (sent.next || !head.hasMore || head.reset || resetPages || this.stopped) return;
      // the held buckets once this page is stored: those it was asked with, less the revoked, plus the loaded
      const held = new Set(sent.request.held);
      for (const b of head.revokedBuckets) held.delete(b);
      for (const b of head.loadedBuckets) held.add(b);
      sent.next = send(this.request(rule, head.cursor, [...held]));
    };
    let ahead: Sent | undefined;
    for (;;) {
      if (this.stopped) return;
      const current = ahead ?? send(request);
      ahead = undefined;
      current.taken = true;
      if (current.head) sendNext(current, current.head);
      const response = await current.answer;
      this.setOnline(true);
      if (resetPages || (response.reset && response.hasMore)) {
        resetPages ??= { first: request, pages: [], held: new Set() };
        if (response.reset) {
          // a reset again (a load cursor that expired, another truncate): the pages before it are void
          resetPages.pages = [];
          resetPages.held = new Set();
        }
        resetPages.pages.push(response);
        for (const b of response.revokedBuckets) resetPages.held.delete(b);
        for (const b of response.loadedBuckets) resetPages.held.add(b);
        if (response.hasMore) {
          request = this.request(rule, response.cursor, [...resetPages.held]);
          continue;
        }
        const applied = await this.apply(rule, resetPages.first, resetPages.pages);
        if (!applied) return this.staleDropped(rule);
        resetPages = undefined;
      } else {
        sendNext(current, response); // the transport told no head: the next page is asked for now
        if (!(await this.apply(rule, request, [response]))) return this.staleDropped(rule);
      }
      if (!response.hasMore) return;
      const stored = this.rules.get(rule);
      request = this.request(rule, stored?.cursor ?? null, stored?.held ?? []);
      // taken only if it asked what this request asks (the page stored as read; no renumbering, same filter)
      if (current.next && sameRequest(current.next.request, request)) ahead = current.next;
    }
  }

  /** A response was stale (another tab or loop moved the cursor): pull again from the stored cursor. */
  private staleDropped(rule: string): void {
    this.pullAgain.add(rule);
  }

  /**
   * Applies one response (or a reset's pages) in one storage transaction, only while the stored client id and cursor
   * still equal the request's (compare-and-set), then shows the result. Returns false for a stale response.
   */
  private async apply(rule: string, request: PullRequest, pages: PullResponse[]): Promise<boolean> {
    if (await this.exclusive(() => this.applyPages(rule, request, pages))) return true;
    await this.reloadRule(rule); // another tab applied a response: show what it stored
    return false;
  }

  private async applyPages(rule: string, request: PullRequest, pages: PullResponse[]): Promise<boolean> {
    const last = pages[pages.length - 1]!;
    const reset = pages[0]!.reset;
    const result = await this.options.storage.write(async (tx) => {
      const meta = await tx.meta();
      const stored = await tx.ruleState(rule);
      if (meta?.clientId !== request.clientId || (stored?.cursor ?? null) !== request.cursor) return undefined;
      const held = new Set(reset ? [] : (stored?.held ?? []));
      const changed = new Map<string, Set<string>>();
      const touch = (collection: string, key: string) => {
        const id = viewId(rule, collection);
        let keys = changed.get(id);
        if (!keys) changed.set(id, (keys = new Set()));
        keys.add(key);
      };
      // rows as this transaction leaves them, for the memory side: key → row or null
      const rows = new Map<string, { collection: string; key: string; row: StoredRow | null }>();
      const rowKey = (collection: string, key: string) => `${collection}\u0000${key}`;
      if (reset) await tx.clearRows(rule);
      for (const page of pages) {
        // issued together, run in order: a storage transaction executes its requests in the order they were made
        const writes: Array<Promise<void>> = [];
        for (const change of page.changes) {
          touch(change.collection, change.key);
          if (change.op === "upsert") {
            const row = { rule, collection: change.collection, key: change.key, row: change.row, buckets: change.buckets };
            rows.set(rowKey(change.collection, change.key), { collection: change.collection, key: change.key, row });
            writes.push(tx.putRow(row));
          } else {
            rows.set(rowKey(change.collection, change.key), { collection: change.collection, key: change.key, row: null });
            writes.push(tx.deleteRow(rule, change.collection, change.key));
          }
        }
        await Promise.all(writes);
        if (page.revokedBuckets.length > 0) {
          const revoked = new Set(page.revokedBuckets);
          page.revokedBuckets.forEach((b) => held.delete(b));
          for (const row of await tx.rows(rule)) {
            if (!row.buckets.some((b) => revoked.has(b))) continue;
            const buckets = row.buckets.filter((b) => !revoked.has(b));
            touch(row.collection, row.key);
            if (buckets.length === 0) {
              rows.set(rowKey(row.collection, row.key), { collection: row.collection, key: row.key, row: null });
              await tx.deleteRow(rule, row.collection, row.key);
            } else {
              const kept = { ...row, buckets };
              rows.set(rowKey(row.collection, row.key), { collection: row.collection, key: row.key, row: kept });
              await tx.putRow(kept);
            }
          }
        }
        page.loadedBuckets.forEach((b) => held.add(b));
      }
      const drained = !last.hasMore;
      const next: RuleState = {
        rule,
        cursor: last.cursor,
        held: [...held],
        confirmed: drained ? (last.lastMutationId ?? stored?.confirmed ?? 0) : (stored?.confirmed ?? 0),
        ready: drained || (!reset && (stored?.ready ?? false)),
        epoch: drained ? (meta.epoch ?? 0) : (stored?.epoch ?? 0),
      };
      await tx.putRuleState(next);
      // writes now confirmed by every rule and already answered by the server leave the outbox here, with their rows
      let confirmedAll = next.confirmed;
      let epochAll = next.epoch ?? 0;
      for (const other of this.syncRules) {
        if (other === rule || this.fatalRules.has(other)) continue;
        const state = await tx.ruleState(other);
        confirmedAll = Math.min(confirmedAll, state?.confirmed ?? 0);
        epochAll = Math.min(epochAll, state?.epoch ?? 0);
      }
      const confirmed = await tx.outboxRange(1, confirmedAll);
      const gone = confirmed.filter((e) => asAnswered(e, meta).status === "applied" && e.clientId === meta.clientId);
      // after a drain, thousands of writes go at once: one request for all when nothing in the range stays
      if (tx.deleteOutboxRange && gone.length > 0 && gone.length === confirmed.length) await tx.deleteOutboxRange(1, confirmedAll);
      else await Promise.all(gone.map((entry) => tx.deleteOutbox(entry.id))); // issued together, not a round trip each
      // writes applied under a replaced client id: every rule has drained since, so their rows are here
      let nextMeta = meta;
      if ((meta.lingering?.length ?? 0) > 0 && epochAll >= (meta.epoch ?? 0)) {
        gone.push(...meta.lingering!);
        nextMeta = { ...meta, lingering: [] };
        await tx.putMeta(nextMeta);
      }
      return { next, changed, rows, gone, meta: nextMeta };
    }, { flush: false }); // lost in a crash, rows and cursor go back together, and the same pull comes again
    if (!result) return false;
    const wasReady = this.rules.get(rule)?.ready ?? false;
    this.rules.set(rule, result.next);
    let truncated: Set<string> | undefined;
    if (reset) truncated = this.views.replaceRule(rule, []);
    for (const { collection, key, row } of result.rows.values()) {
      if (row) this.views.setServer(row);
      else this.views.deleteServer(rule, collection, key);
    }
    const gone = new Set(result.gone.map(uidOf));
    const confirmedNow = result.gone;
    this.outbox = this.outbox.filter((e) => !gone.has(uidOf(e)));
    this.meta = { ...this.meta, lingering: result.meta.lingering ?? [] };
    if (truncated) {
      for (const id of result.changed.keys()) truncated.add(id);
      for (const v of this.views.views()) if (v.rule === rule) truncated.add(viewId(v.rule, v.collection));
    }
    this.publish(result.changed, truncated, result.next.ready && (!wasReady || reset) ? [rule] : []);
    for (const entry of confirmedNow) this.settle(uidOf(entry));
    // pending writes the server has answered but whose outcome we have not seen keep their waiter until the push
    this.channel.post({ type: "rule", rule });
    return true;
  }

  // ---------------------------------------------------------------- push

  /** Drains the outbox now, unless a drain runs (it goes on) or waits out a backoff (new writes wait with it). */
  private kickPush(): void {
    if (!this.isLeading() || this.stopped || this.cancelPushRetry || this.networkDown) return;
    if (this.pushing) {
      this.pushAgain = true;
      return;
    }
    void this.runPush();
  }

  private async runPush(): Promise<void> {
    this.pushing = true;
    try {
      await this.start();
      do {
        this.pushAgain = false;
        await this.drain();
      } while (this.pushAgain && !this.stopped);
      this.pushBackoff.reset();
      // a write is confirmed once every synced rule has pulled it, and a poke names only the rules it touched:
      // pull them all once the outbox is drained (not after every batch, which would slow the drain)
      if (this.appliedSincePull) {
        this.appliedSincePull = false;
        this.pullAfterDrain.clear();
        void this.pullAll();
      }
    } catch (e) {
      const error = asNizhalError(e);
      this.noteError(error);
      if (!this.stopped) {
        const delay = this.pushBackoff.next(error.retryAfter);
        this.cancelPushRetry = this.clock.schedule(delay, () => {
          this.cancelPushRetry = undefined;
          this.kickPush();
        });
      }
    } finally {
      this.pushing = false;
      const deferred = [...this.pullAfterDrain];
      this.pullAfterDrain.clear();
      for (const rule of deferred) void this.pull(rule);
    }
  }

  /**
   * Sends the outbox, batch after batch. A batch's outcomes are recorded (a storage transaction) while the next batch
   * is on its way: the time of the one hides behind the other. The next batch goes out only once the server has
   * answered every write of the one before, so its first id is the one the server expects next.
   */
  private async drain(): Promise<void> {
    let recording: Promise<void> | undefined;
    let after = 0; // the writes up to this id went out in this drain (their outcomes may still be being recorded)
    try {
      while (!this.stopped && this.isLeading()) {
        const batch = this.nextBatch(after);
        if (batch.length === 0) break;
        const answered = await this.pushBatch(batch);
        await recording; // done as a rule: it ran while this batch was on its way
        recording = answered?.recorded;
        after = answered ? batch[batch.length - 1]!.id : 0; // else the outbox changed: look again from the start
      }
    } catch (e) {
      await recording?.catch(() => undefined); // the entries stay unanswered in memory: sent again, replays are harmless
      throw e;
    }
    await recording;
  }

  /** The next contiguous run of unsent writes of the current client id after id `after`, in id order. */
  private nextBatch(after: number): OutboxEntry[] {
    const batch: OutboxEntry[] = [];
    for (let i = this.indexAfter(after); i < this.outbox.length; i++) {
      const entry = this.outbox[i]!;
      if (entry.clientId !== this.meta.clientId || entry.status === "applied") continue;
      const previous = batch[batch.length - 1];
      if (previous && entry.id !== previous.id + 1) break;
      batch.push(entry);
      if (batch.length >= this.batchSize) break;
    }
    return batch;
  }

  /** The index of the first entry of the outbox (kept in id order) whose id is above `id`. */
  private indexAfter(id: number): number {
    let low = 0;
    let high = this.outbox.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.outbox[middle]!.id <= id) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * Sends one batch. When the server answered every write of it, returns the recording of the outcomes, still under
   * way; else (after a `MUTATION_ORDER` gap fill, a renumbering, a smaller batch size, ...) returns nothing, or throws
   * what stops the drain for a backoff.
   */
  private async pushBatch(batch: OutboxEntry[]): Promise<{ recorded: Promise<void> } | undefined> {
    const clientId = this.meta.clientId; // every outcome below belongs to this id, whatever happens meanwhile
    const mutations: PushMutation[] = batch.map((e) =>
      e.status === "skip" ? { id: e.id, name: SKIP_MUTATOR } : { id: e.id, name: e.name, args: e.args },
    );
    let outcomes: MutationOutcome[];
    this.maxAttempted = Math.max(this.maxAttempted, batch[batch.length - 1]!.id);
    try {
      const sent = new Set(batch.map((e) => e.id));
      // an outcome for an id this batch did not send (a broken server or proxy) says nothing about that id: counted,
      // it would mark later writes as answered that were never sent
      outcomes = (await this.options.transport.push({ clientId, mutations })).results.filter((o) => sent.has(o.id));
    } catch (e) {
      const error = asNizhalError(e);
      this.setOnline(error.code !== "NETWORK");
      switch (error.code) {
        case "MUTATION_ORDER":
          return void (await this.fillGap(clientId, batch[0]!.id, Number(error.details?.["expected"])));
        case "MUTATION_CONFLICT":
          return void (await this.renumber(clientId));
        case "CLIENT_ACTOR_MISMATCH":
          return void (await this.quarantine(clientId));
        case "PAYLOAD_TOO_LARGE":
        case "MALFORMED_REQUEST":
          // only the server's own refusal (not a proxy's page) says that this batch can never go through as it is
          if (error.fromServer || error.code === "PAYLOAD_TOO_LARGE") {
            if (batch.length > 1) {
              this.batchSize = Math.max(1, Math.floor(batch.length / 2));
              return undefined;
            }
            return void (await this.refuseLocally(batch[0]!, error));
          }
          throw error;
        default:
          throw error;
      }
    }
    this.setOnline(true);
    this.batchSize = Math.min(this.options.batchSize ?? 100, 100);
    const stoppedBy = outcomes.find((o) => o.status === "notAttempted");
    const recorded = this.record(clientId, outcomes.filter((o) => o.status !== "notAttempted"));
    if (stoppedBy) {
      await recorded;
      const error = stoppedBy.error;
      throw new NizhalError(error?.code ?? "TRANSIENT", error?.message ?? "the server stopped the batch", true);
    }
    const answered = new Set(outcomes.map((o) => o.id));
    if (!batch.every((e) => answered.has(e.id))) {
      await recorded; // an answer that leaves out writes: they go again
      return undefined;
    }
    recorded.catch(() => undefined); // awaited by the drain once the next batch is on its way
    return { recorded };
  }

  /**
   * Records the server's outcomes for writes sent under `clientId`: applied writes wait for confirmation, refused
   * ones roll back at once. Outcomes of an id this client no longer uses are dropped.
   */
  private async record(clientId: string, outcomes: MutationOutcome[]): Promise<void> {
    if (outcomes.length > 0) await this.exclusive(() => this.recordNow(clientId, outcomes));
  }

  private async recordNow(clientId: string, outcomes: MutationOutcome[]): Promise<void> {
    const confirmedAll = this.confirmedAll();
    const result = await this.options.storage.write(async (tx) => {
      const meta = await this.requireMeta(tx);
      if (meta.clientId !== clientId) return undefined;
      const removed: OutboxEntry[] = [];
      const appliedIds: number[] = [];
      const rejected: RejectedWrite[] = [];
      const byId = new Map(outcomes.map((o) => [o.id, o]));
      const ids = [...byId.keys()];
      const through = answeredThrough(meta);
      const top = Math.max(...ids);
      // from the first id not yet answered (normally the batch's first): the record may move over every id up to `top`
      const from = Math.min(through + 1, ...ids);
      const stored = new Map((await tx.outboxRange(from, top)).map((e) => [e.id, asAnswered(e, meta)]));
      // the ids answered without a gap after `through`: an id answered now, or no longer in the outbox (refused,
      // confirmed), or applied before. The applied writes among them need no write of their own: one record says so
      let answered = through;
      while (answered < top) {
        const entry = stored.get(answered + 1);
        if (!byId.has(answered + 1) && entry && entry.clientId === clientId && entry.status !== "applied") break;
        answered++;
      }
      // requests of one transaction are issued together: awaiting each in turn costs a round trip per write
      const writes: Array<Promise<void>> = [];
      for (const outcome of byId.values()) {
        const entry = stored.get(outcome.id);
        if (!entry || entry.clientId !== clientId) continue;
        if (entry.status === "applied") continue; // answered before (another tab sent it too): wait for confirmation
        // (a write discarded after a reload may have been sent before it: the server's outcome wins)
        if (outcome.status === "applied" && entry.id > confirmedAll) {
          // an answer after a gap (not in the record): marked on the entry itself
          if (entry.id > answered) writes.push(tx.putOutbox({ ...entry, status: "applied" }));
          appliedIds.push(entry.id);
          continue;
        }
        writes.push(tx.deleteOutbox(entry.id));
        removed.push(entry);
        if (outcome.status === "rejected" && entry.status !== "skip" && outcome.error.code !== "MUTATION_SKIPPED") {
          rejected.push(rejectedWrite(entry, outcome.error, this.clock.now()));
        }
      }
      const again = new Set(rejected.map(uidOf)); // a refusal replayed (see asAnswered) is listed once
      const next: Meta = {
        ...meta,
        rejected: [...meta.rejected.filter((r) => !again.has(uidOf(r))), ...rejected].slice(-MAX_REJECTED_KEPT),
        ...(answered > through ? { answered: { clientId, through: answered } } : {}),
      };
      if (rejected.length > 0 || answered > through) writes.push(tx.putMeta(next));
      await Promise.all(writes);
      return { removed, appliedIds, rejected, meta: next };
    }, { flush: false }); // lost in a crash, the batch is sent again and the server answers with the same outcomes
    if (!result) return;
    this.meta = result.meta;
    // found by id (the outbox is in id order), not by a pass over the whole outbox per batch
    for (const id of result.appliedIds) {
      const i = this.indexAfter(id - 1);
      const entry = this.outbox[i];
      if (entry?.id === id && entry.clientId === clientId) this.outbox[i] = { ...entry, status: "applied" };
    }
    // an applied write keeps showing until confirmed: only a refusal (or a skip) changes what shows
    let shownChanged = false;
    if (result.removed.length > 0) {
      const removed = new Set(result.removed.map(uidOf));
      this.outbox = this.outbox.filter((e) => {
        if (!removed.has(uidOf(e))) return true;
        shownChanged ||= this.isShown(e, confirmedAll);
        return false;
      });
    }
    if (shownChanged) this.publish(new Map());
    else this.emitStatus();
    const refusals = new Map(result.rejected.map((r) => [uidOf(r), r]));
    for (const entry of result.removed) {
      const refusal = refusals.get(uidOf(entry));
      this.settle(uidOf(entry), refusal && rejectionError(refusal));
    }
    this.channel.post({ type: "outbox" });
    if (result.appliedIds.length > 0) this.appliedSincePull = true;
  }

  /** `MUTATION_ORDER`: the server expects an id below the batch's; ids it never got go out as `nizhal.skip`. */
  private async fillGap(clientId: string, first: number, expected: number): Promise<void> {
    if (!Number.isSafeInteger(expected) || expected < 1 || expected >= first) {
      throw new NizhalError("MUTATION_ORDER", `the server expects mutation ${expected} next`, true);
    }
    await this.exclusive(() => this.fillGapNow(clientId, first, expected));
  }

  private async fillGapNow(clientId: string, first: number, expected: number): Promise<void> {
    const filled = await this.options.storage.write(async (tx) => {
      const meta = await this.requireMeta(tx);
      if (meta.clientId !== clientId) return { skips: [], again: [] };
      const outbox = (await tx.outbox()).filter((e) => e.clientId === clientId).map((e) => asAnswered(e, meta));
      const have = new Set(outbox.map((e) => e.id));
      // the server has not seen these ids, yet we hold some of them as answered: its state went back (a restore). They
      // go again, in order; had it kept them after all, it would answer with its journal's outcomes (replays)
      const again: OutboxEntry[] = [];
      for (const entry of outbox) {
        if (entry.id < expected || entry.id >= first || entry.status !== "applied") continue;
        const resent: OutboxEntry = { ...entry, status: entry.name === SKIP_MUTATOR ? "skip" : "pending" };
        await tx.putOutbox(resent);
        again.push(resent);
      }
      if (answeredThrough(meta) >= expected) await tx.putMeta({ ...meta, answered: { clientId, through: expected - 1 } });
      const skips: OutboxEntry[] = [];
      for (let id = expected; id < first; id++) {
        if (have.has(id)) continue;
        const skip: OutboxEntry = { uid: randomUid(), id, clientId, name: SKIP_MUTATOR, args: {}, createdAt: this.clock.now(), status: "skip" };
        await tx.putOutbox(skip);
        skips.push(skip);
      }
      return { skips, again };
    });
    if (filled.skips.length === 0 && filled.again.length === 0) {
      // the server expects an id below the batch's that we neither hold nor may skip (none: every id below is here)
      throw new NizhalError("MUTATION_ORDER", `the server expects mutation ${expected} next`, true);
    }
    const resent = new Map(filled.again.map((e) => [uidOf(e), e]));
    this.outbox = [...this.outbox.map((e) => resent.get(uidOf(e)) ?? e), ...filled.skips].sort((a, b) => a.id - b.id);
    this.emitStatus();
  }

  /** A write the server cannot take in any batch (too large, malformed): refused here, its id skipped. */
  private refuseLocally(entry: OutboxEntry, error: NizhalError): Promise<void> {
    return this.exclusive(() => this.refuseNow(entry, error));
  }

  private async refuseNow(entry: OutboxEntry, error: NizhalError): Promise<void> {
    const refusal = rejectedWrite(entry, { code: error.code, message: error.message }, this.clock.now());
    this.meta = await this.options.storage.write(async (tx) => {
      const meta = await this.requireMeta(tx);
      await tx.putOutbox({ ...entry, status: "skip" });
      const next = { ...meta, rejected: [...meta.rejected, refusal].slice(-MAX_REJECTED_KEPT) };
      await tx.putMeta(next);
      return next;
    });
    this.outbox = this.outbox.map((e) => (uidOf(e) === uidOf(entry) ? { ...e, status: "skip" as const } : e));
    this.publish(new Map());
    this.settle(uidOf(entry), rejectionError(refusal));
    this.channel.post({ type: "outbox" });
  }

  /**
   * `MUTATION_CONFLICT` (the server holds other writes under our ids: local storage was lost): continue under a new
   * client id, with the unsent writes renumbered from 1 (each keeps its uid, so its promise, in any tab, follows it).
   * Writes already applied stay applied on the server and arrive by pull; their overlay goes.
   */
  private renumber(oldId: string): Promise<void> {
    return this.exclusive(() => this.renumberNow(oldId));
  }

  private async renumberNow(oldId: string): Promise<void> {
    const fresh = this.newClientId();
    const result = await this.options.storage.write(async (tx) => {
      const meta = await this.requireMeta(tx);
      if (meta.clientId !== oldId) return undefined; // renumbered already (a late answer of the old id)
      const outbox = (await tx.outbox()).map((e) => asAnswered(e, meta));
      await tx.clearOutbox();
      const moved: OutboxEntry[] = [];
      const gone: OutboxEntry[] = [];
      let next = 1;
      // (skip entries of the old id go: the new id's sequence has no gaps to fill)
      for (const entry of outbox) {
        if (entry.status !== "pending") {
          gone.push(entry);
          continue;
        }
        const renumbered: OutboxEntry = { ...entry, uid: uidOf(entry), id: next++, clientId: fresh };
        await tx.putOutbox(renumbered);
        moved.push(renumbered);
      }
      for (const state of await tx.ruleStates()) await tx.putRuleState({ ...state, confirmed: 0 });
      // applied under the old id: on the server, shown until every rule has drained since (their promises wait)
      const lingering = [...(meta.lingering ?? []), ...gone.filter((e) => e.status === "applied")];
      const { answered: _oldAnswers, ...kept } = meta; // the record of answers was the old id's
      const nextMeta: Meta = { ...kept, clientId: fresh, nextMutationId: next, epoch: (meta.epoch ?? 0) + 1, lingering };
      await tx.putMeta(nextMeta);
      return { moved, meta: nextMeta };
    });
    if (!result) return;
    this.meta = result.meta;
    this.maxAttempted = 0;
    for (const [rule, state] of this.rules) this.rules.set(rule, { ...state, confirmed: 0 });
    this.outbox = result.moved;
    this.publish(new Map());
    this.channel.post({ type: "outbox" });
    void this.pullAll();
  }

  /**
   * `CLIENT_ACTOR_MISMATCH`: the server has this client id bound to another actor, so this local state is not the
   * current user's (storage shared between users, or an identity that changed). Nothing of it is sent as this user:
   * the unsent writes are refused here (listed, with their args), the rows and cursors go, and a new client id
   * starts a full sync.
   */
  private quarantine(oldId: string): Promise<void> {
    return this.exclusive(() => this.quarantineNow(oldId));
  }

  private async quarantineNow(oldId: string): Promise<void> {
    const fresh = this.newClientId();
    const now = this.clock.now();
    const result = await this.options.storage.write(async (tx) => {
      const meta = await this.requireMeta(tx);
      if (meta.clientId !== oldId) return undefined;
      const outbox = (await tx.outbox()).map((e) => asAnswered(e, meta));
      await tx.clearOutbox();
      const refused = outbox
        .filter((e) => e.status === "pending")
        .map((e) =>
          rejectedWrite(e, { code: "CLIENT_ACTOR_MISMATCH", message: "this device's stored state belongs to another user: the write was not sent" }, now),
        );
      const states = await tx.ruleStates();
      for (const state of states) {
        await tx.clearRows(state.rule);
        await tx.putRuleState({ rule: state.rule, cursor: null, held: [], confirmed: 0, ready: false });
      }
      const nextMeta: Meta = { clientId: fresh, nextMutationId: 1, rejected: [...meta.rejected, ...refused].slice(-MAX_REJECTED_KEPT) };
      await tx.putMeta(nextMeta);
      return { outbox, refused, meta: nextMeta, rules: states.map((r) => r.rule) };
    });
    if (!result) return;
    this.meta = result.meta;
    this.maxAttempted = 0;
    this.outbox = [];
    const truncated = new Set<string>();
    for (const rule of result.rules) {
      this.rules.set(rule, { rule, cursor: null, held: [], confirmed: 0, ready: false });
      for (const id of this.views.replaceRule(rule, [])) truncated.add(id);
    }
    this.publish(new Map(), truncated);
    for (const entry of result.outbox) {
      const refusal = result.refused.find((r) => uidOf(r) === uidOf(entry));
      this.settle(uidOf(entry), refusal ? rejectionError(refusal) : undefined);
    }
    this.channel.post({ type: "outbox" });
    for (const rule of result.rules) this.channel.post({ type: "rule", rule });
    void this.pullAll();
  }

  private waitFor(uid: string): Promise<void> {
    if (this.stopped) return Promise.reject(stoppedBeforeConfirmation());
    return new Promise<void>((resolve, reject) => {
      const previous = this.waiters.get(uid);
      this.waiters.set(uid, {
        resolve: () => {
          previous?.resolve();
          resolve();
        },
        reject: (e) => {
          previous?.reject(e);
          reject(e);
        },
      });
    });
  }

  private settle(uid: string, error?: NizhalError): void {
    const waiter = this.waiters.get(uid);
    if (!waiter) return;
    this.waiters.delete(uid);
    if (error) waiter.reject(error);
    else waiter.resolve();
  }

  // ---------------------------------------------------------------- tabs and status

  private isLeading(): boolean {
    return this.leadership.isLeader() && !this.stopped;
  }

  private onLeadership(leader: boolean, reload: boolean): void {
    if (this.stopped) return;
    if (leader) {
      // a tab that becomes leader later reads the outbox again: the last leader may have changed it
      void (reload ? this.reloadOutbox() : Promise.resolve()).then(() => {
        this.kickPush();
        void this.pullAll();
        this.realtime.connect();
      });
    } else {
      this.realtime.disconnect();
    }
    this.emitStatus();
  }

  private setOnline(online: boolean): void {
    if (this.online === online) return;
    this.online = online;
    if (online) this.lastError = undefined;
    this.emitStatus();
  }

  private noteError(error: NizhalError): void {
    this.lastError = { code: error.code, message: error.message };
    if (error.code === "NETWORK") this.online = false;
    this.emitStatus();
  }

  private report(error: unknown): void {
    if (this.options.onError) this.options.onError(error);
    else console.error("nizhal:", error);
  }
}

function asNizhalError(e: unknown): NizhalError {
  if (e instanceof NizhalError) return e;
  return new NizhalError("INTERNAL", e instanceof Error ? e.message : String(e), true);
}

function rejectedWrite(
  entry: OutboxEntry,
  error: { code: string; message: string; details?: Record<string, unknown> },
  at: number,
): RejectedWrite {
  return {
    uid: uidOf(entry),
    id: entry.id,
    clientId: entry.clientId,
    name: entry.name,
    args: entry.args,
    code: error.code,
    message: error.message,
    ...(error.details ? { details: error.details } : {}),
    at,
  };
}

function rejectionError(r: RejectedWrite): NizhalError {
  return new NizhalError(r.code, r.message, false, undefined, r.details);
}

function stoppedBeforeConfirmation(): NizhalError {
  return new NizhalError(
    "CLIENT_STOPPED",
    "the client was stopped before the write was confirmed: it stays in the outbox and is sent when a client over the same storage starts again",
    false,
  );
}

function randomUid(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Whether two pulls ask the same: client, cursor, limit, held buckets (as a set) and bucket filter. */
function sameRequest(a: PullRequest, b: PullRequest): boolean {
  if (a.syncRule !== b.syncRule || a.clientId !== b.clientId || a.cursor !== b.cursor || a.limit !== b.limit) return false;
  if (canonical(a.buckets) !== canonical(b.buckets)) return false;
  const held = new Set(a.held ?? []);
  return held.size === (b.held ?? []).length && (b.held ?? []).every((h) => held.has(h));
}

/** JSON text with every object's keys sorted: equal for values equal but for their keys' order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
