import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { inject } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Debian's Chromium (installed by .ci/run), driven by playwright-core; CHROMIUM_PATH to use another one. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export interface Device {
  context: BrowserContext;
  page: Page;
  user: string;
}

/** A device: its own browser context (own IndexedDB, own service worker), logged in as `user`, synced. */
export async function openDevice(browser: Browser, user: string): Promise<Device> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(inject("serverUrl") + "/");
  await page.getByRole("button", { name: `Log in as ${user}` }).click();
  await waitLive(page);
  // the offline app shell is in place before any test goes offline
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
  return { context, page, user };
}

/** Another tab of the same device. */
export async function openTab(device: Device): Promise<Page> {
  const page = await device.context.newPage();
  await page.goto(inject("serverUrl") + "/");
  await page.getByTestId("connection").waitFor();
  return page;
}

const SYNC = /\/sync\/(pull|push)$/;

/**
 * Takes a device offline: the browser's offline mode, plus the sync calls refused. Chromium's emulation alone leaks:
 * a page reloaded offline under the service worker reads navigator.onLine as true, and early requests of the new
 * document can still get out.
 */
export async function goOffline(device: Device): Promise<void> {
  await device.context.route(SYNC, (route) => route.abort("internetdisconnected"));
  await device.context.setOffline(true);
}

export async function goOnline(device: Device): Promise<void> {
  await device.context.unroute(SYNC);
  await device.context.setOffline(false);
}

export async function waitLive(page: Page): Promise<void> {
  await page.getByTestId("realtime").filter({ hasText: "live" }).waitFor({ timeout: 20_000 });
}

/** The notes a page shows, sorted. */
export async function notesOf(page: Page): Promise<string[]> {
  const bodies = await page.locator("[data-testid=note] .body").allTextContents();
  return bodies.sort();
}

export async function addNote(page: Page, body: string): Promise<void> {
  await page.getByLabel("New note").fill(body);
  await page.getByLabel("New note").press("Enter");
}

export function note(page: Page, body: string) {
  return page.locator("[data-testid=note]").filter({ has: page.locator(".body", { hasText: new RegExp(`^${escape(body)}$`) }) });
}

export async function editNote(page: Page, from: string, to: string): Promise<void> {
  await note(page, from).getByRole("button", { name: "Edit" }).click();
  await page.getByLabel("Edit note").fill(to);
  await page.getByLabel("Edit note").press("Enter");
}

export async function deleteNote(page: Page, body: string): Promise<void> {
  await note(page, body).getByRole("button", { name: "Delete" }).click();
}

export async function pendingOf(page: Page): Promise<number> {
  const text = (await page.getByTestId("pending").textContent()) ?? "";
  return Number(/^(\d+)/.exec(text)?.[1] ?? NaN);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Polls `check` until it holds; returns the milliseconds it took. */
export async function within(ms: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started < ms) {
    try {
      if (await check()) return Date.now() - started;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not happen within ${ms} ms${last ? ` (${last})` : ""}`);
}

/** The journal rows of `clientIds`, straight from the demo server's PostgreSQL. */
export async function journal(clientIds: string[]): Promise<Array<{ client_id: string; mutation_id: string; name: string; status: string }>> {
  const client = new pg.Client({ connectionString: inject("databaseUrl") });
  await client.connect();
  try {
    const rows = await client.query(
      "select client_id, mutation_id::text, name, status from nizhal.mutation_journal where client_id = any($1) order by client_id, mutation_id",
      [clientIds],
    );
    return rows.rows;
  } finally {
    await client.end();
  }
}

/** The client id a page's engine uses. */
export async function clientIdOf(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { nizhal: { echo: { engine: { clientId: string } } } }).nizhal.echo.engine.clientId);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  const folder = join(root, "docs", "screenshots");
  mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: join(folder, `${name}.png`) });
}
