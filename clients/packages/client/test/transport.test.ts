import { describe, expect, it } from "vitest";
import { HttpTransport } from "../src/index.js";

/** A fetch that never answers: it only fails once its request is aborted. */
const silent: typeof fetch = (_input, init) =>
  new Promise((_resolve, reject) =>
    init?.signal?.addEventListener("abort", () => reject(new DOMException("This operation was aborted", "AbortError"))),
  );

const auth = { getHeaders: () => ({ Authorization: "Bearer good" }) };

describe("HttpTransport", () => {
  it("gives up on a request without an answer after timeoutMs, as a NETWORK failure that names the timeout", async () => {
    const transport = new HttpTransport({ server: "http://silent.example", auth, fetch: silent, timeoutMs: 20 });
    await expect(transport.push({ clientId: "c-1", mutations: [] })).rejects.toMatchObject({
      code: "NETWORK",
      retryable: true,
      message: "no answer from the server within 20 ms",
    });
  });

  it("refuses a timeoutMs that is not a positive number of milliseconds", () => {
    for (const timeoutMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new HttpTransport({ server: "http://x.example", auth, timeoutMs })).toThrow(RangeError);
    }
  });
});
