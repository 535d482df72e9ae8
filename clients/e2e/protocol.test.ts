import { describe, expect, it } from "vitest";
import { systemClock } from "@nizhal/client";
import { bodies, drained, eventually, nodeDevice, serverUrl, tokenOf } from "./support.js";

const uid = () => crypto.randomUUID();

describe("@nizhal/client against the real server", () => {
  it("two devices of one user converge through push and pull; another user sees nothing", async () => {
    const a = await nodeDevice("alice");
    const b = await nodeDevice("alice");
    const bob = await nodeDevice("bob");
    const id = uid();
    const write = await a.engine.mutate("addNote", { id, body: "from A" });
    await drained(a);
    await write.confirmed;
    await b.engine.pullAll();
    expect(b.shown.get(id)?.["body"]).toBe("from A");
    await bob.engine.pullAll();
    expect(bob.shown.has(id)).toBe(false);
    await a.engine.mutate("editNote", { id, body: "edited by A" });
    await a.engine.mutate("deleteNote", { id: uid() }); // deleting what is not there is fine
    await drained(a);
    await eventually(async () => {
      await b.engine.pullAll();
      return b.shown.get(id)?.["body"] === "edited by A";
    });
    expect(bodies(b.shown)).toEqual(bodies(a.shown));
    for (const d of [a, b, bob]) d.engine.stop();
  });

  it("responses lost after the server applied a batch, 500s and cut connections lose and duplicate nothing", async () => {
    let call = 0;
    // every third push is applied by the server but its answer never arrives; every fifth is cut before it is sent
    const flaky: typeof fetch = async (input, init) => {
      const push = String(input).endsWith("/sync/push");
      call++;
      if (push && call % 5 === 0) throw new TypeError("connection refused");
      const response = await fetch(input, init);
      if (push && call % 3 === 0) {
        await response.text();
        throw new TypeError("connection reset");
      }
      return response;
    };
    // nearly half the pushes fail: with the full jitter of a real clock, the retries' backoff alone (up to 30 s each)
    // could add up to more than drained()'s 60 s; a small jitter keeps the test about losing and duplicating nothing
    const clock = { ...systemClock, random: () => 0.05 };
    const a = await nodeDevice("alice", { fetch: flaky, batchSize: 7, clock });
    const ids = Array.from({ length: 40 }, uid);
    const writes = [];
    for (const id of ids) writes.push(await a.engine.mutate("addNote", { id, body: `note ${id}` }));
    await drained(a);
    await Promise.all(writes.map((w) => w.confirmed)); // none refused: a second apply of addNote would fail its key
    expect(a.engine.status().rejected).toEqual([]);
    const fresh = await nodeDevice("alice");
    await fresh.engine.pullAll();
    for (const id of ids) expect(fresh.shown.get(id)?.["body"]).toBe(`note ${id}`);
    a.engine.stop();
    fresh.engine.stop();
  });

  it("a refused write rolls back and rejects with the server's code and message", async () => {
    const a = await nodeDevice("alice");
    await a.engine.pullAll();
    const missing = uid();
    const edit = await a.engine.mutate("editNote", { id: missing, body: "x" });
    await drained(a);
    const error = await edit.confirmed.then(() => undefined, (e: { code: string; message: string }) => e);
    expect(error).toMatchObject({ code: "MUTATION_REJECTED" });
    expect(a.engine.status().rejected[0]).toMatchObject({ name: "editNote", code: "MUTATION_REJECTED" });
    const id = uid();
    const later = await a.engine.mutate("addNote", { id, body: "still goes" });
    await drained(a);
    await later.confirmed;
    expect(a.shown.get(id)?.["body"]).toBe("still goes");
    a.engine.stop();
  });

  it("a poke makes the other device pull without polling", async () => {
    const a = await nodeDevice("alice");
    const b = await nodeDevice("alice", { realtime: true, pollIntervalMs: 3_600_000 });
    await eventually(() => b.engine.status().streaming, 10_000, "B's stream to be ready");
    const id = uid();
    const started = Date.now();
    await a.engine.mutate("addNote", { id, body: "poke me" });
    await eventually(() => b.shown.has(id), 5_000, "B to show A's note by poke");
    console.log(`poke-driven convergence: ${Date.now() - started} ms from A's write to B showing it`);
    a.engine.stop();
    b.engine.stop();
  });

  it("drains an outbox of 10,000 queued writes (figure printed, beside the server's raw push rate)", async () => {
    // the baseline, in the same run: the same 10,000 writes pushed by hand in batches of 100, no client at all
    const token = await tokenOf("alice");
    const rawClient = `c-raw-${uid()}`;
    const rawStarted = performance.now();
    for (let batch = 0; batch < 100; batch++) {
      const mutations = Array.from({ length: 100 }, (_, i) => ({
        id: batch * 100 + i + 1,
        name: "addNote",
        args: { id: uid(), body: `raw ${batch * 100 + i}` },
      }));
      const response = await fetch(`${serverUrl()}/sync/push`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ clientId: rawClient, mutations }),
      });
      expect(response.status).toBe(200);
      await response.text();
    }
    const rawRate = 10_000 / ((performance.now() - rawStarted) / 1000);
    const a = await nodeDevice("alice");
    await a.engine.pullAll();
    a.engine.setNetworkOnline(false);
    // queued while offline: the first send fails and the rest wait for the network
    const offline = Array.from({ length: 10_000 }, (_, i) => ({ id: uid(), body: `bulk ${i}` }));
    const writes = [];
    for (const args of offline) writes.push(await a.engine.mutate("addNote", args));
    const started = performance.now();
    a.engine.setNetworkOnline(true);
    await eventually(() => a.engine.status().unsent === 0, 120_000, "the 10,000 writes to be sent");
    const sent = performance.now();
    await a.engine.pullAll();
    await Promise.all(writes.map((w) => w.confirmed));
    const confirmed = performance.now();
    const rate = 10_000 / ((sent - started) / 1000);
    console.log(
      `outbox drain, Node + memory storage: 10,000 writes sent in ${((sent - started) / 1000).toFixed(2)} s ` +
        `(${Math.round(rate)} writes/s), confirmed by pull after ${((confirmed - started) / 1000).toFixed(2)} s; ` +
        `raw pushes of the same batches without a client: ${Math.round(rawRate)} writes/s (client/raw = ${(rate / rawRate).toFixed(2)})`,
    );
    expect(a.engine.status().rejected).toEqual([]);
    a.engine.stop();
  }, 300_000);
});
