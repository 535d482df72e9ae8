import {
  NizhalError,
  PROTOCOL_VERSION,
  type ErrorBody,
  type PullHead,
  type PullRequest,
  type PullResponse,
  type PushRequest,
  type PushResponse,
  type StreamFrame,
} from "./protocol.js";

/** How the engine talks to the server: fetch + WebSocket in real life, a scripted fake in unit tests. */
export interface Transport {
  /**
   * A pull. `onHead`, when given, may be called once with the response's head as soon as it has arrived, before the
   * changes (the engine then asks for the next page); a transport that cannot tell ignores it.
   */
  pull(request: PullRequest, onHead?: (head: PullHead) => void): Promise<PullResponse>;
  push(request: PushRequest): Promise<PushResponse>;
  /** Opens `/sync/stream`; the engine sends the hello itself. */
  openStream(handlers: StreamHandlers): StreamSocket;
}

export interface StreamHandlers {
  onOpen(): void;
  onFrame(frame: StreamFrame): void;
  onClose(code: number, reason: string): void;
}

export interface StreamSocket {
  send(frame: unknown): void;
  close(): void;
}

export interface Auth {
  /** Headers for every HTTP call, e.g. `{Authorization: "Bearer …"}`; called before each request. */
  getHeaders(): Record<string, string> | Promise<Record<string, string>>;
  /** The bearer token for the stream's hello; by default taken from the `Authorization` header. */
  getToken?(): string | Promise<string>;
  /** Called when the server refused the credentials (401, or the stream's 4401), before a retry. */
  onUnauthenticated?(): void | Promise<void>;
}

export interface HttpTransportOptions {
  server: string;
  auth: Auth;
  fetch?: typeof fetch;
  /** A WebSocket constructor (browsers have one; in Node 20 pass `ws`). */
  WebSocket?: new (url: string) => WebSocketLike;
  /**
   * How long a request (answer included) may take before it counts as lost (default 30,000 ms): it is aborted and
   * fails with `NETWORK`, and the engine retries it with backoff, as any lost answer.
   */
  timeoutMs?: number;
}

export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** The token for the stream's hello: `auth.getToken()`, else the bearer of `auth.getHeaders()`. */
export async function streamToken(auth: Auth): Promise<string> {
  if (auth.getToken) return auth.getToken();
  const headers = await auth.getHeaders();
  const value = Object.entries(headers).find(([name]) => name.toLowerCase() === "authorization")?.[1] ?? "";
  return value.replace(/^Bearer\s+/i, "");
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The protocol over `fetch` and `WebSocket`. */
export class HttpTransport implements Transport {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  private readonly timeoutMs: number;

  constructor(private readonly options: HttpTransportOptions) {
    this.base = options.server.replace(/\/+$/, "");
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0) || !Number.isFinite(this.timeoutMs)) {
      throw new RangeError(`HttpTransport: timeoutMs must be a positive number of milliseconds, not ${options.timeoutMs}`);
    }
  }

  pull(request: PullRequest, onHead?: (head: PullHead) => void): Promise<PullResponse> {
    return this.post<PullResponse>("/sync/pull", request, isPullResponse, onHead);
  }

  push(request: PushRequest): Promise<PushResponse> {
    return this.post<PushResponse>("/sync/push", request, isPushResponse);
  }

  openStream(handlers: StreamHandlers): StreamSocket {
    const Ws = this.options.WebSocket ?? (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
    if (!Ws) throw new Error("no WebSocket implementation: pass one as options.WebSocket");
    const url = this.base.replace(/^http/, "ws") + "/sync/stream";
    const socket = new Ws(url);
    let closed = false;
    const close = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      handlers.onClose(code, reason);
    };
    socket.onopen = () => handlers.onOpen();
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      try {
        const frame = JSON.parse(event.data) as StreamFrame;
        if (frame && typeof frame.type === "string") handlers.onFrame(frame);
      } catch {
        // not a frame of the protocol: ignore it, the pull is authoritative
      }
    };
    socket.onclose = (event) => close(event.code, event.reason);
    socket.onerror = () => close(1006, "error");
    return {
      send: (frame) => socket.send(JSON.stringify(frame)),
      close: () => {
        try {
          socket.close(1000, "bye");
        } catch {
          // not open yet
        }
        close(1000, "closed by the client");
      },
    };
  }

  private async post<T>(
    path: string,
    body: unknown,
    valid: (value: unknown) => boolean,
    onHead?: (head: PullHead) => void,
  ): Promise<T> {
    const headers = await this.options.auth.getHeaders();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(this.base + path, {
        method: "POST",
        headers: {
          ...headers,
          "Content-Type": "application/json",
          "Nizhal-Protocol": String(PROTOCOL_VERSION),
        },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      text = onHead && response.ok && response.body ? await readWithHead(response.body, onHead) : await response.text();
    } catch (e) {
      if (controller.signal.aborted) throw NizhalError.network(`no answer from the server within ${this.timeoutMs} ms`);
      throw NizhalError.network(`no answer from the server: ${(e as Error).message ?? e}`);
    } finally {
      clearTimeout(timer);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      if (response.ok) throw NizhalError.network("the server's answer is not JSON");
      json = undefined;
    }
    if (!response.ok) {
      const error = (json as { error?: ErrorBody } | undefined)?.error;
      const retryAfter = Number(response.headers.get("Retry-After") ?? "");
      if (response.status === 401) await this.options.auth.onUnauthenticated?.();
      const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
      if (error && typeof error.code === "string") {
        throw new NizhalError(error.code, error.message ?? `the server answered ${response.status}`,
          error.retryable ?? response.status >= 500, response.status, error.details, seconds, true);
      }
      // no error of the protocol: a proxy or gateway answered; only its status says anything
      throw new NizhalError(statusCode(response.status), `the server answered ${response.status} without an error of the protocol`,
        response.status !== 413, response.status, undefined, seconds, false);
    }
    if (!valid(json)) throw NizhalError.network("the server's answer does not have the protocol's shape");
    return json as T;
  }
}

/** How far into a pull response its head is looked for: past it, the response is only read. */
const HEAD_WITHIN = 64 * 1024;
const CHANGES = ',"changes":';

/**
 * Reads a pull response's text, and hands `onHead` the fields before `"changes"` once they have arrived, if they
 * make a head (the server writes compact JSON, the head first). The text cannot hold `,"changes":` inside a string:
 * a string's quotes are escaped. A callback that throws changes nothing here.
 */
async function readWithHead(body: ReadableStream<Uint8Array>, onHead: (head: PullHead) => void): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let start = ""; // the text so far, while the head is looked for
  let looking = true;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const part = decoder.decode(value, { stream: true });
    parts.push(part);
    if (!looking) continue;
    start += part;
    const at = start.indexOf(CHANGES);
    if (at < 0) {
      if (start.length > HEAD_WITHIN) [looking, start] = [false, ""];
      continue;
    }
    const text = start.slice(0, at) + "}";
    [looking, start] = [false, ""];
    let head: unknown;
    try {
      head = JSON.parse(text);
    } catch {
      continue; // not a head after all: the whole response is parsed as usual
    }
    if (isPullHead(head)) {
      try {
        onHead(head);
      } catch {
        // the engine asks again once the response is whole
      }
    }
  }
  parts.push(decoder.decode());
  return parts.join("");
}

function isPullHead(v: unknown): v is PullHead {
  const r = v as PullHead;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.cursor === "string" &&
    typeof r.hasMore === "boolean" &&
    typeof r.reset === "boolean" &&
    Array.isArray(r.revokedBuckets) &&
    Array.isArray(r.loadedBuckets)
  );
}

function isPullResponse(v: unknown): boolean {
  const r = v as PullResponse;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.cursor === "string" &&
    typeof r.hasMore === "boolean" &&
    Array.isArray(r.changes) &&
    Array.isArray(r.revokedBuckets ?? []) &&
    Array.isArray(r.loadedBuckets ?? [])
  );
}

function isPushResponse(v: unknown): boolean {
  const r = v as PushResponse;
  return typeof r === "object" && r !== null && Array.isArray(r.results);
}

/** The protocol's code for an HTTP status that came without the protocol's error body. */
function statusCode(status: number): string {
  if (status === 401) return "UNAUTHENTICATED";
  if (status === 413) return "PAYLOAD_TOO_LARGE";
  if (status === 429) return "RATE_LIMITED";
  if (status >= 500 || status === 408) return "TRANSIENT";
  return `HTTP_${status}`;
}
