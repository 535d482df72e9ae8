import { describe, expect, it } from "vitest";
import { HttpTransport, type PullHead, type PullResponse } from "../src/index.js";

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

  describe("a pull's head", () => {
    const answer: PullResponse = {
      cursor: "c-2",
      hasMore: true,
      reset: false,
      buckets: ["b"],
      revokedBuckets: ["old"],
      loadedBuckets: ["b"],
      loadingBuckets: [],
      changes: [{ op: "upsert", collection: "notes", key: "k", row: { id: "k", body: 'a "changes": text, and ,"changes":' }, buckets: ["b"] }],
      lastMutationId: 3,
    };

    /** A fetch whose answer's body arrives in the parts the test enqueues. */
    function streaming() {
      let body!: ReadableStreamDefaultController<Uint8Array>;
      const stream = new ReadableStream<Uint8Array>({ start: (c) => void (body = c) });
      const fetch: typeof globalThis.fetch = async () => new Response(stream, { status: 200 });
      const encoder = new TextEncoder();
      return { fetch, send: (text: string) => body.enqueue(encoder.encode(text)), end: () => body.close() };
    }

    it("is handed over as soon as it has arrived, before the changes; the whole answer follows", async () => {
      const { fetch, send, end } = streaming();
      const heads: PullHead[] = [];
      const transport = new HttpTransport({ server: "http://x.example", auth, fetch });
      const pulled = transport.pull({ syncRule: "r", clientId: "c", cursor: null, held: [] }, (head) => heads.push(head));
      const text = JSON.stringify(answer);
      const at = text.indexOf(',"changes":');
      send(text.slice(0, 20)); // the head split over parts
      await new Promise((r) => setTimeout(r, 5));
      expect(heads).toEqual([]);
      send(text.slice(20, at + 14));
      await new Promise((r) => setTimeout(r, 5));
      expect(heads).toEqual([{ cursor: "c-2", hasMore: true, reset: false, buckets: ["b"], revokedBuckets: ["old"], loadedBuckets: ["b"], loadingBuckets: [] }]);
      send(text.slice(at + 14));
      end();
      expect(await pulled).toEqual(answer);
      expect(heads).toHaveLength(1);
    });

    it("is not handed over when the changes come first, nor when it is not a head; the answer is read as usual", async () => {
      for (const text of [
        JSON.stringify({ changes: answer.changes, cursor: "c-2", hasMore: true, reset: false, revokedBuckets: [], loadedBuckets: [] }),
        '{"cursor":"c-2","hasMore":"yes","reset":false,"revokedBuckets":[],"loadedBuckets":[],"changes":[]}',
      ]) {
        const { fetch, send, end } = streaming();
        const heads: PullHead[] = [];
        const transport = new HttpTransport({ server: "http://x.example", auth, fetch });
        const pulled = transport.pull({ syncRule: "r", clientId: "c", cursor: null, held: [] }, (head) => heads.push(head));
        send(text);
        end();
        const outcome = await pulled.then(
          (r) => r.cursor,
          (e: { code: string }) => e.code,
        );
        expect(outcome).toBe(text.includes('"yes"') ? "NETWORK" : "c-2"); // the second has not the protocol's shape
        expect(heads).toEqual([]);
      }
    });

    it("is not looked for past 64 KiB: a head larger than that is not handed over, the answer is read", async () => {
      const { fetch, send, end } = streaming();
      const heads: PullHead[] = [];
      const transport = new HttpTransport({ server: "http://x.example", auth, fetch });
      const pulled = transport.pull({ syncRule: "r", clientId: "c", cursor: null, held: [] }, (head) => heads.push(head));
      const many = Array.from({ length: 9_000 }, (_, i) => `rule[${i}]`);
      const text = JSON.stringify({ ...answer, loadedBuckets: many });
      for (let i = 0; i < text.length; i += 8_192) send(text.slice(i, i + 8_192));
      end();
      expect((await pulled).loadedBuckets).toHaveLength(9_000);
      expect(heads).toEqual([]);
    });

    it("a callback that throws does not fail the pull", async () => {
      const { fetch, send, end } = streaming();
      const transport = new HttpTransport({ server: "http://x.example", auth, fetch });
      const pulled = transport.pull({ syncRule: "r", clientId: "c", cursor: null, held: [] }, () => {
        throw new Error("the app's filter failed");
      });
      send(JSON.stringify(answer));
      end();
      expect((await pulled).cursor).toBe("c-2");
    });
  });
});
