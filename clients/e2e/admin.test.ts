import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, screenshot, within } from "./browser-support.js";
import { serverUrl, tokenOf } from "./support.js";
import pg from "pg";
import { connect } from "node:net";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** A push through the real API; returns the outcomes. */
async function push(token: string, clientId: string, mutations: Array<{ id: number; name: string; args: unknown }>) {
  const response = await fetch(`${serverUrl()}/sync/push`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ clientId, mutations }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { results: Array<{ id: number; status: string }> }).results;
}

/** A drained pull of `rule` through the real API; returns every change. */
async function pullAll(token: string, clientId: string, rule: string) {
  const changes: Array<{ collection: string; key: string; row?: Record<string, unknown> }> = [];
  let cursor: string | null = null;
  for (;;) {
    const response = await fetch(`${serverUrl()}/sync/pull`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ syncRule: rule, clientId, cursor }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { cursor: string; hasMore: boolean; changes: typeof changes };
    changes.push(...body.changes);
    cursor = body.cursor;
    if (!body.hasMore) return changes;
  }
}

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: inject("databaseUrl") });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The status line's code of a WebSocket upgrade request to `path`, sent on a raw socket. */
async function upgradeStatus(path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(serverUrl());
  return await new Promise<number>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      const lines = [
        `GET ${path} HTTP/1.1`,
        `Host: ${url.host}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ];
      socket.write(lines.join("\r\n") + "\r\n\r\n");
    });
    let head = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to the upgrade of ${path}`)));
    socket.on("data", (chunk) => {
      head += chunk.toString("latin1");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (status) {
        resolve(Number(status[1]));
        socket.destroy();
      }
    });
    socket.on("error", reject);
  });
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${serverUrl()}/admin-login`);
  await page.fill("#token", token);
  await page.click("button[type=submit]");
}

async function open(page: Page, view: string): Promise<void> {
  await page.goto(`${serverUrl()}/admin/${view}`);
  await page.locator("vaadin-app-layout").waitFor();
}

describe("the admin console in Chromium against the real server", () => {
  it("refuses anonymous visitors and non-admins on every /admin URL, Vaadin's own included", async () => {
    const alice = await tokenOf("alice");
    const paths = ["/admin", "/admin/", "/admin/journal", "/admin/VAADIN/build/any.js", "/admin/?v-r=heartbeat"];
    for (const path of paths) {
      for (const headers of [{}, { Authorization: `Bearer ${alice}` }, { Cookie: `nizhal_admin=${alice}` }]) {
        const response = await fetch(`${serverUrl()}${path}`, { method: path.includes("v-r") ? "POST" : "GET", headers });
        expect(response.status, `${path} with ${JSON.stringify(Object.keys(headers))}`).toBe(403);
      }
    }
    // a WebSocket upgrade is refused too (the console has no push endpoint that could take it before the gate)
    for (const path of ["/admin/VAADIN/push", "/admin/VAADIN/push?v-r=push", "/admin/"]) {
      expect(await upgradeStatus(path, {}), `upgrade of ${path}`).toBe(403);
      expect(await upgradeStatus(path, { Cookie: `nizhal_admin=${alice}` }), `upgrade of ${path}, no claim`).toBe(403);
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const anonymous = await page.goto(`${serverUrl()}/admin/`);
    expect(anonymous?.status()).toBe(403);
    await signIn(page, alice); // a valid token without the admin claim
    await expect(page.locator("h1").textContent()).resolves.toBe("Forbidden");
    expect(await page.locator("body").textContent()).toContain("no admin claim");
    await context.close();
  });

  it("an operator finds a bucket, a client and a rejected mutation, replays it once its data exists, and a client pulls its rows", async () => {
    const alice = await tokenOf("alice");
    const client = `phone-${randomUUID().slice(0, 8)}`;
    const list = randomUUID();
    const todo = randomUUID();
    // a todo for a list that does not exist yet: refused
    const refused = await push(alice, client, [{ id: 1, name: "addTodo", args: { id: todo, listId: list, title: "buy milk" } }]);
    expect(refused[0]!.status).toBe("rejected");
    await pullAll(alice, client, "myNotes");

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, inject("adminToken"));
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await expect(page.getByText("signed in as demo-operator").count()).resolves.toBe(1);
    await screenshot(page, "admin-overview");

    // the client, listed with its rule once its pull is recorded (the observer writes every half second)
    await open(page, "clients");
    await within(15_000, "the client to be listed", async () => {
      await open(page, "clients");
      return page
        .getByRole("link", { name: client })
        .waitFor({ timeout: 3_000 })
        .then(() => true, () => false);
    });
    await screenshot(page, "admin-clients");
    await page.getByRole("link", { name: client }).click();
    await page.getByRole("heading", { name: `Client ${client}` }).waitFor();
    await page.getByText("myNotes").first().waitFor();
    await screenshot(page, "admin-client");

    // the rejected mutation, found by the journal's filters
    await open(page, "journal");
    await page.getByLabel("Client").fill(client);
    await page.getByRole("button", { name: "Filter" }).click();
    const row = page.locator("vaadin-grid-cell-content", { hasText: `${client}/1` });
    await row.waitFor();
    await expect(page.locator("vaadin-grid-cell-content", { hasText: "rejected" }).count()).resolves.toBeGreaterThan(0);
    await screenshot(page, "admin-journal");

    // the data it needed, through the real API; then the replay, confirmed
    const made = await push(alice, client, [{ id: 2, name: "createList", args: { id: list, name: "groceries" } }]);
    expect(made[0]!.status).toBe("applied");
    await page.getByRole("button", { name: "Replay" }).click();
    await page.locator("vaadin-confirm-dialog-overlay, vaadin-confirm-dialog").getByRole("button", { name: "Replay" }).click();
    await page.getByText(`Replayed as replay:${client}/1: applied`).waitFor();
    await screenshot(page, "admin-journal-replayed");

    const entries = await sql<{ client_id: string; mutation_id: string; name: string; status: string }>(
      "select client_id, mutation_id::text, name, status from nizhal.mutation_journal where client_id in ($1, $2) order by client_id, mutation_id",
      [client, `replay:${client}`],
    );
    expect(entries.map((e) => `${e.client_id}/${e.mutation_id} ${e.name} ${e.status}`)).toEqual([
      `${client}/1 addTodo rejected`, // history is never rewritten
      `${client}/2 createList applied`,
      `replay:${client}/1 addTodo applied`,
    ]);
    const links = await sql<{ operator: string }>(
      "select operator from nizhal.replays where client_id = $1 and mutation_id = 1",
      [client],
    );
    expect(links.map((l) => l.operator)).toEqual(["demo-operator"]);
    const audit = await sql<{ line: string }>(
      "select operator || ' ' || action || ' ' || outcome as line from nizhal.admin_audit where target like $1",
      [`${client}/1 %`],
    );
    expect(audit.map((a) => a.line)).toEqual(["demo-operator replay applied"]);

    // another device of alice's pulls the replayed todo, as any write
    const seen = await pullAll(alice, `tablet-${client}`, "sharedLists");
    expect(seen.filter((c) => c.collection === "todos").map((c) => c.key)).toEqual([todo]);

    // the bucket, by rule and parameter value
    await open(page, "buckets");
    await page.getByLabel("Rule").click();
    await page.getByRole("option", { name: "sharedLists" }).click();
    await page.getByLabel("listId").fill(list);
    await page.getByRole("button", { name: "Find buckets" }).click();
    const bucket = page.locator("vaadin-grid-cell-content", { hasText: list }).first();
    await bucket.waitFor();
    await bucket.click();
    await page.getByRole("heading", { name: /^Bucket / }).waitFor();
    await page.getByLabel("Collection").click();
    await page.getByRole("option", { name: "todos" }).click();
    await page.locator("vaadin-grid-cell-content", { hasText: "buy milk" }).waitFor();
    await screenshot(page, "admin-bucket");

    await open(page, "rules");
    await page.getByText("Capture triggers in the database").waitFor();
    await page.getByText("sharedLists (lists, todos)").waitFor();
    await screenshot(page, "admin-rules");
    await context.close();
  });
});
