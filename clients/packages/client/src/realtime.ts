import { Backoff, type Clock } from "./clock.js";
import { NizhalError, type BucketFilter, type StreamFrame } from "./protocol.js";
import { streamToken, type Auth, type StreamSocket, type Transport } from "./transport.js";

/** What the realtime link needs from the engine. */
export interface RealtimeHost {
  rules(): string[];
  /** The client id the hello names (operators see which clients are connected); never trusted for anything else. */
  clientId?(): string | undefined;
  /** This tab leads, the engine runs and the network is up. */
  canConnect(): boolean;
  pullAll(): void;
  pull(rule: string): void;
  /** The stream said ready: the server is reachable. */
  ready(): void;
  refused(error: NizhalError): void;
  changed(): void;
  report(error: unknown): void;
}

export interface RealtimeOptions {
  auth?: Auth;
  bucketsForSyncRule?: (rule: string) => BucketFilter[] | undefined;
  pollIntervalMs?: number;
  realtime?: boolean;
}

/**
 * `/sync/stream` as a hint: hello with the token and the rules, one pull on `ready` (commits before it were not
 * poked), a pull per poke, reconnects with backoff (after 4401 with fresh credentials), and pulls on an interval
 * whenever the stream is not ready. The pull stays authoritative.
 */
export class RealtimeLink {
  private socket: StreamSocket | undefined;
  private streamReady = false;
  private fatal = false;
  private stopped = false;
  private readonly backoff: Backoff;
  private cancelReconnect: (() => void) | undefined;
  private cancelPoll: (() => void) | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly clock: Clock,
    private readonly options: RealtimeOptions,
    private readonly host: RealtimeHost,
  ) {
    this.backoff = new Backoff(clock, 1000);
  }

  get ready(): boolean {
    return this.streamReady;
  }

  /** Opens the stream if it may, and polls until it is ready. */
  connect(): void {
    this.schedulePoll();
    if (this.options.realtime === false || this.socket || this.stopped || this.fatal || !this.host.canConnect()) return;
    this.cancelReconnect?.();
    this.cancelReconnect = undefined;
    let socket: StreamSocket | undefined;
    try {
      socket = this.transport.openStream({
        onOpen: () => void this.hello(socket!),
        onFrame: (frame) => this.onFrame(socket!, frame),
        onClose: (code) => this.onClosed(socket!, code),
      });
    } catch (e) {
      this.host.report(e);
      return;
    }
    this.socket = socket;
  }

  disconnect(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.streamReady = false;
    this.cancelReconnect?.();
    this.cancelReconnect = undefined;
    socket?.close();
    this.host.changed();
  }

  /** The hello names the rules: an open stream says hello again with the new set. */
  rulesChanged(): void {
    if (!this.socket) return;
    this.disconnect();
    this.connect();
  }

  resetBackoff(): void {
    this.backoff.reset();
  }

  stop(): void {
    this.stopped = true;
    this.disconnect();
    this.cancelPoll?.();
    this.cancelPoll = undefined;
  }

  private async hello(socket: StreamSocket): Promise<void> {
    try {
      const token = this.options.auth ? await streamToken(this.options.auth) : "";
      const rules = this.host.rules();
      const buckets: Record<string, BucketFilter[]> = {};
      for (const rule of rules) {
        const filter = this.options.bucketsForSyncRule?.(rule);
        if (filter) buckets[rule] = filter;
      }
      if (this.socket !== socket) return;
      const clientId = this.host.clientId?.();
      socket.send({ type: "hello", token, syncRules: rules, buckets, ...(clientId ? { clientId } : {}) });
    } catch (e) {
      this.host.report(e);
      socket.close();
    }
  }

  private onFrame(socket: StreamSocket, frame: StreamFrame): void {
    if (this.socket !== socket) return;
    if (frame.type === "ready") {
      this.streamReady = true;
      this.backoff.reset();
      this.cancelPoll?.();
      this.cancelPoll = undefined;
      this.host.ready();
      this.host.changed();
      this.host.pullAll(); // commits before ready were not poked
    } else if (frame.type === "poke" && this.host.rules().includes(frame.syncRule)) {
      this.host.pull(frame.syncRule);
    }
  }

  private onClosed(socket: StreamSocket, code: number): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.streamReady = false;
    this.host.changed();
    if (this.stopped) return;
    if (code === 4404 || code === 4400) {
      this.fatal = true; // the hello names a rule the server does not know: pulls report it
      this.host.refused(
        new NizhalError(code === 4404 ? "UNKNOWN_SYNC_RULE" : "MALFORMED_REQUEST", "the stream refused the hello", false),
      );
    }
    if (code === 4401) void this.options.auth?.onUnauthenticated?.();
    this.schedulePoll();
    if (!this.fatal && this.host.canConnect()) {
      this.cancelReconnect = this.clock.schedule(this.backoff.next(), () => {
        this.cancelReconnect = undefined;
        this.connect();
      });
    }
  }

  /** Without a ready stream, pull every rule on an interval. */
  private schedulePoll(): void {
    if (this.cancelPoll || this.stopped || this.streamReady || !this.host.canConnect()) return;
    this.cancelPoll = this.clock.schedule(this.options.pollIntervalMs ?? 10_000, () => {
      this.cancelPoll = undefined;
      if (this.streamReady || this.stopped || !this.host.canConnect()) return;
      this.host.pullAll();
      this.schedulePoll();
    });
  }
}
