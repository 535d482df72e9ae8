/** Time and randomness come in from outside, so that tests drive the engine step by step. */
export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  schedule(ms: number, fn: () => void): () => void;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(ms, fn) {
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
  random: () => Math.random(),
};

/**
 * Exponential backoff with full jitter: attempt n waits a random time in [0, min(max, base·2ⁿ)], at least what the
 * server asked for with `Retry-After`.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly baseMs = 500,
    private readonly maxMs = 30_000,
  ) {}

  next(retryAfterSeconds?: number): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    const jittered = Math.round(this.clock.random() * ceiling);
    return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000, 50);
  }

  reset(): void {
    this.attempt = 0;
  }
}
