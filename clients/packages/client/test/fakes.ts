import {
  NizhalError,
  type Change,
  type Clock,
  type PullRequest,
  type PullResponse,
  type PushRequest,
  type PushResponse,
  type Row,
  type StreamFrame,
  type StreamHandlers,
  type StreamSocket,
  type Transport,
  type MutationOutcome,
} from "../src/index.js";

/** A clock whose time moves only when the test says so. */
export class ManualClock implements Clock {
  time = 0;
  private tasks: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;

  now() {
    return this.time;
  }
  schedule(ms: number, fn: () => void) {
    const id = ++this.seq;
    this.tasks.push({ at: this.time + ms, fn, id });
    return () => {
      this.tasks = this.tasks.filter((t) => t.id !== id);
    };
  }
  random() {
    return 0.5;
  }
  /** The delays of the tasks waiting now, from now. */
  pending(): number[] {
    return this.tasks.map((t) => t.at - this.time).sort((a, b) => a - b);
  }
  /** Moves time forward, running every task that falls due (and letting their promises settle). */
  async advance(ms: number) {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const due = this.tasks.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = end;
    await settle();
  }
}

/** Lets every queued promise continuation run. */
export async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}

export type Fault =
  | "http500"
  | "malformed"
  | "network-before" // the request never reaches the server
  | "lost-after" // the server handles it, the answer is lost
  | "retry-after"; // 503 TRANSIENT with Retry-After: 5

interface Journal {
  actor: string;
  next: number;
  outcomes: Map<number, { hash: string; outcome: MutationOutcome }>;
}

/**
 * A small model of the server, enough to exercise the client: one rule `myNotes` with buckets per owner (`ownerId`),
 * one collection `notes` keyed by `id`; mutators `addNote`, `editNote`, `deleteNote`, `failing` (always refused).
 * Cursors are change-log positions; a truncate makes older cursors reset.
 */
export class FakeServer implements Transport {
  rows = new Map<string, Row>();
  log: Array<{ seq: number; key: string; owner: string; mutationOf?: { clientId: string; id: number } }> = [];
  seq = 0;
  truncatedAt = 0;
  journals = new Map<string, Journal>();
  applied: Array<{ clientId: string; id: number; name: string }> = [];
  faults: { pull: Fault[]; push: Fault[] } = { pull: [], push: [] };
  pullCount = 0;
  pushCount = 0;
  /** Holds pull answers until released (for stale-response tests). */
  holdPulls = false;
  held: Array<() => void> = [];
  sockets: FakeSocket[] = [];
  streamAccepts = true;

  constructor(readonly actor = "alice") {}

  /** A write by someone else (another device, plain SQL). */
  write(row: Row) {
    this.rows.set(String(row["id"]), row);
    this.log.push({ seq: ++this.seq, key: String(row["id"]), owner: String(row["owner_id"]) });
  }

  remove(id: string) {
    const row = this.rows.get(id);
    this.rows.delete(id);
    this.log.push({ seq: ++this.seq, key: id, owner: String(row?.["owner_id"] ?? this.actor) });
  }

  truncate() {
    this.rows.clear();
    this.truncatedAt = ++this.seq;
  }

  bucket(owner = this.actor) {
    return `myNotes[${JSON.stringify(owner)}]`;
  }

  private fault(kind: "pull" | "push"): Fault | undefined {
    return this.faults[kind].shift();
  }

  async pull(request: PullRequest): Promise<PullResponse> {
    this.pullCount++;
    const fault = this.fault("pull");
    const answer = await this.answer(fault, () => this.handlePull(request));
    if (this.holdPulls) await new Promise<void>((resolve) => this.held.push(resolve));
    return answer;
  }

  async push(request: PushRequest): Promise<PushResponse> {
    this.pushCount++;
    const fault = this.fault("push");
    return this.answer(fault, () => this.handlePush(request));
  }

  private async answer<T>(fault: Fault | undefined, handle: () => T): Promise<T> {
    await Promise.resolve();
    switch (fault) {
      case "http500":
        throw new NizhalError("INTERNAL", "the server answered 500", true, 500);
      case "malformed":
        throw NizhalError.network("the server's answer is not JSON");
      case "network-before":
        throw NizhalError.network("no answer from the server: connection refused");
      case "retry-after":
        throw new NizhalError("TRANSIENT", "try later", true, 503, undefined, 5);
      case "lost-after":
        handle();
        throw NizhalError.network("no answer from the server: connection reset");
      default:
        return structuredClone(handle());
    }
  }

  handlePull(request: PullRequest): PullResponse {
    const owner = this.actor;
    const bucket = this.bucket(owner);
    let position = 0;
    let loaded = false;
    let reset = false;
    if (request.cursor !== null) {
      const c = JSON.parse(request.cursor) as { seq: number; loadedUpTo?: string | null; clientId: string };
      if (c.clientId !== request.clientId || c.seq < this.truncatedAt) reset = true;
      else {
        position = c.seq;
        loaded = c.loadedUpTo === null;
        if (!loaded) return this.loadPage(request, c.loadedUpTo ?? "", c.seq, false);
      }
    }
    if (request.cursor === null || reset) return this.loadPage(request, "", this.seq, reset);
    // incremental: keys changed after position, current state or delete
    const changed = [...new Set(this.log.filter((l) => l.seq > position && l.owner === owner).map((l) => l.key))];
    const changes: Change[] = changed.map((key) => {
      const row = this.rows.get(key);
      return row && row["owner_id"] === owner
        ? { op: "upsert", collection: "notes", key, row, buckets: [bucket] }
        : { op: "delete", collection: "notes", key };
    });
    return {
      cursor: JSON.stringify({ seq: this.seq, loadedUpTo: null, clientId: request.clientId }),
      hasMore: false,
      reset: false,
      buckets: [bucket],
      revokedBuckets: [],
      loadedBuckets: [],
      loadingBuckets: [],
      changes,
      lastMutationId: this.lastMutationId(request.clientId),
    };
  }

  private loadPage(request: PullRequest, after: string, seq: number, reset: boolean): PullResponse {
    const bucket = this.bucket();
    const limit = request.limit ?? 1000;
    const keys = [...this.rows.entries()]
      .filter(([, r]) => r["owner_id"] === this.actor)
      .map(([k]) => k)
      .sort()
      .filter((k) => k > after);
    const page = keys.slice(0, limit);
    const more = keys.length > limit;
    const last = page[page.length - 1] ?? after;
    return {
      cursor: JSON.stringify({ seq, loadedUpTo: more ? last : null, clientId: request.clientId }),
      hasMore: more || reset,
      reset,
      buckets: [bucket],
      revokedBuckets: [],
      loadedBuckets: more ? [] : [bucket],
      loadingBuckets: more ? [bucket] : [],
      changes: page.map((key) => ({ op: "upsert", collection: "notes", key, row: this.rows.get(key)!, buckets: [bucket] })),
      ...(more || reset ? {} : { lastMutationId: this.lastMutationId(request.clientId) }),
    };
  }

  lastMutationId(clientId: string): number | undefined {
    const j = this.journals.get(clientId);
    return j && j.next > 1 ? j.next - 1 : undefined;
  }

  handlePush(request: PushRequest): PushResponse {
    let journal = this.journals.get(request.clientId);
    if (!journal) this.journals.set(request.clientId, (journal = { actor: this.actor, next: 1, outcomes: new Map() }));
    const first = request.mutations[0]!.id;
    if (first > journal.next) {
      throw new NizhalError("MUTATION_ORDER", "out of order", false, 409, { expected: journal.next });
    }
    const results: MutationOutcome[] = [];
    for (const m of request.mutations) {
      const hash = JSON.stringify([m.name, m.args ?? null]);
      const recorded = journal.outcomes.get(m.id);
      if (recorded) {
        if (recorded.hash !== hash && m.name !== "nizhal.skip") {
          throw new NizhalError("MUTATION_CONFLICT", "other args under this id", false, 409);
        }
        results.push({ ...recorded.outcome, replayed: true });
        continue;
      }
      const outcome = this.run(request.clientId, m.id, m.name, m.args as Record<string, unknown>);
      journal.outcomes.set(m.id, { hash, outcome });
      journal.next = m.id + 1;
      results.push(outcome);
    }
    return { results };
  }

  private run(clientId: string, id: number, name: string, args: Record<string, unknown>): MutationOutcome {
    const refuse = (code: string, message: string): MutationOutcome => ({
      id,
      status: "rejected",
      error: { code, message, retryable: false, details: { reason: code } },
    });
    switch (name) {
      case "nizhal.skip":
        return { id, status: "rejected", error: { code: "MUTATION_SKIPPED", message: "skipped", retryable: false } };
      case "addNote":
      case "editNote": {
        const key = String(args["id"]);
        if (name === "editNote" && !this.rows.has(key)) return refuse("MUTATION_REJECTED", "no note of yours has this id");
        this.applied.push({ clientId, id, name });
        this.rows.set(key, { id: key, body: args["body"], owner_id: this.actor });
        this.log.push({ seq: ++this.seq, key, owner: this.actor, mutationOf: { clientId, id } });
        return { id, status: "applied", result: { serverId: key } };
      }
      case "deleteNote": {
        this.applied.push({ clientId, id, name });
        this.remove(String(args["id"]));
        return { id, status: "applied" };
      }
      case "failing":
        return refuse("MUTATION_REJECTED", "this write is always refused");
      default:
        return { id, status: "rejected", error: { code: "UNKNOWN_MUTATOR", message: "no such mutator", retryable: false } };
    }
  }

  openStream(handlers: StreamHandlers): StreamSocket {
    const socket = new FakeSocket(handlers, this);
    this.sockets.push(socket);
    queueMicrotask(() => (this.streamAccepts ? handlers.onOpen() : socket.serverClose(1006)));
    return socket;
  }

  /** Pokes every ready socket. */
  poke(rule = "myNotes") {
    for (const s of this.sockets) if (s.ready && !s.closed) s.frame({ type: "poke", syncRule: rule });
  }

  releaseHeld() {
    const held = this.held;
    this.held = [];
    held.forEach((r) => r());
  }
}

export class FakeSocket implements StreamSocket {
  sent: unknown[] = [];
  ready = false;
  closed = false;
  constructor(
    private readonly handlers: StreamHandlers,
    private readonly server: FakeServer,
  ) {}
  send(frame: unknown) {
    this.sent.push(frame);
    const hello = frame as { type: string; token: string };
    if (hello.type === "hello") {
      if (hello.token !== "good") return this.serverClose(4401, "UNAUTHENTICATED");
      this.ready = true;
      queueMicrotask(() => this.frame({ type: "ready" }));
    }
  }
  frame(frame: StreamFrame) {
    if (!this.closed) this.handlers.onFrame(frame);
  }
  serverClose(code: number, reason = "") {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose(code, reason);
  }
  close() {
    this.closed = true;
  }
}
