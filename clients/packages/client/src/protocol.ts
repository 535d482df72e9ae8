/**
 * The wire format of Nizhal's protocol, version 1 (PROTOCOL.md): request and response bodies of `/sync/pull`,
 * `/sync/push`, the stream's frames and the error body.
 */

export const PROTOCOL_VERSION = 1;

/** A row as the server encodes it: column name to JSON value. */
export type Row = Record<string, unknown>;

/** A bucket filter, as `bucketsForSyncRule` produces it: parameter name to value. */
export type BucketFilter = Record<string, unknown>;

export interface PullRequest {
  syncRule: string;
  clientId: string;
  cursor: string | null;
  buckets?: BucketFilter[];
  held: string[];
  limit?: number;
}

export type Change =
  | { op: "upsert"; collection: string; key: string; row: Row; buckets: string[] }
  | { op: "delete"; collection: string; key: string };

export interface PullResponse {
  cursor: string;
  hasMore: boolean;
  reset: boolean;
  buckets: string[];
  revokedBuckets: string[];
  loadedBuckets: string[];
  loadingBuckets: string[];
  changes: Change[];
  lastMutationId?: number;
}

/**
 * What a pull response says before its changes: enough to ask for the next page. The server writes these fields
 * first; a client may read them while the changes still arrive ({@link Transport.pull}'s `onHead`).
 */
export type PullHead = Pick<PullResponse, "cursor" | "hasMore" | "reset" | "revokedBuckets" | "loadedBuckets">;

export interface PushMutation {
  id: number;
  name: string;
  args?: unknown;
}

export interface PushRequest {
  clientId: string;
  mutations: PushMutation[];
}

export interface ErrorBody {
  code: string;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
  correlationId?: string;
}

export type MutationOutcome =
  | { id: number; status: "applied"; result?: unknown; replayed?: boolean }
  | { id: number; status: "rejected"; error: ErrorBody; replayed?: boolean }
  | { id: number; status: "notAttempted"; error?: ErrorBody };

export interface PushResponse {
  results: MutationOutcome[];
}

/** The name under which a write dropped locally is sent, so that its id is used up on the server. */
export const SKIP_MUTATOR = "nizhal.skip";

/**
 * The codes of the protocol's error table (a client meets the first group as HTTP errors, the second per mutation),
 * then the client's own.
 */
export type ErrorCode =
  | "MALFORMED_REQUEST"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "CLIENT_ACTOR_MISMATCH"
  | "UNKNOWN_SYNC_RULE"
  | "MUTATION_ORDER"
  | "MUTATION_CONFLICT"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_PROTOCOL"
  | "RATE_LIMITED"
  | "TRANSIENT"
  | "INTERNAL"
  | "UNKNOWN_MUTATOR"
  | "INVALID_ARGS"
  | "MUTATION_REJECTED"
  | "MUTATOR_FAILED"
  | "MUTATION_SKIPPED"
  /** No well-formed answer arrived: offline, refused or cut connection, timeout, a body that is not the protocol's. */
  | "NETWORK"
  /** `awaitConfirmation(id)` of an id this client has no record of. */
  | "UNKNOWN_WRITE"
  /** The client was stopped: a write made after `stop()`, or the promise of a write not yet confirmed at `stop()`. */
  | "CLIENT_STOPPED";

/**
 * An error of the protocol, with the server's code and message; `NETWORK` when no well-formed answer arrived
 * (offline, a cut connection, a body that is not the protocol's JSON).
 */
export class NizhalError extends Error {
  override readonly name = "NizhalError";

  constructor(
    readonly code: ErrorCode | string,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly details?: Record<string, unknown>,
    /** Seconds the server asked to wait (`Retry-After`). */
    readonly retryAfter?: number,
    /** The answer carried the protocol's error body (not a proxy's page): the code is the server's own. */
    readonly fromServer = false,
  ) {
    super(message);
  }

  static network(message: string): NizhalError {
    return new NizhalError("NETWORK", message, true);
  }
}

/** The stream's server frames. */
export type StreamFrame = { type: "ready" } | { type: "ping" } | { type: "poke"; syncRule: string };

/** `/nizhal/contract`: rules with their collections, and the JSON Schema of every mutator's args. */
export interface Contract {
  protocol: number;
  syncRules: Record<
    string,
    {
      parameters: unknown[];
      collections: Record<string, { key: string[]; columns: Record<string, unknown> }>;
    }
  >;
  mutators: Record<string, JsonSchema>;
}

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  format?: string;
  [other: string]: unknown;
};
