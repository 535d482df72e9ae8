import { mkdirSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
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
  /** The device's own way to the server: a TCP proxy the test can cut. */
  network: Network;
}

/**
 * A device's network: a TCP proxy on loopback in front of the demo server. Cut, it closes every open connection (the
 * WebSocket too) and refuses new ones, as a real network loss does. The browser's offline emulation alone leaks: a page
 * reloaded offline under its service worker can still send its first requests.
 */
export class Network {
  private readonly sockets = new Set<Socket>();
  private down = false;

  private constructor(private readonly server: Server, readonly url: string) {}

  static async open(target: string): Promise<Network> {
    const { hostname, port } = new URL(target);
    let network: Network | undefined;
    const server = createServer((socket) => network!.accept(socket, hostname, Number(port)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("the device's proxy has no port");
    network = new Network(server, `http://127.0.0.1:${address.port}`);
    return network;
  }

  private accept(socket: Socket, host: string, port: number): void {
    if (this.down) return void socket.destroy();
    const upstream = connect(port, host);
    for (const s of [socket, upstream]) {
      this.sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        this.sockets.delete(s);
        socket.destroy();
        upstream.destroy();
      });
    }
    socket.pipe(upstream).pipe(socket);
  }

  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.down = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A device: its own browser context (own IndexedDB, own service worker) behind its own network, logged in as `user`,
 * synced.
 */
export async function openDevice(browser: Browser, user: string): Promise<Device> {
  const network = await Network.open(inject("serverUrl"));
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.on("close", () => void network.close());
  const page = await context.newPage();
  await page.goto(network.url + "/");
  await page.getByRole("button", { name: `Log in as ${user}` }).click();
  await waitLive(page);
  // the offline app shell is in place before any test goes offline
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
  return { context, page, user, network };
}

/** Another tab of the same device. */
export async function openTab(device: Device): Promise<Page> {
  const page = await device.context.newPage();
  await page.goto(device.network.url + "/");
  await page.getByTestId("connection").waitFor();
  return page;
}

/** Takes a device offline: its network cut, and the browser's offline mode for navigator.onLine and its events. */
export async function goOffline(device: Device): Promise<void> {
  device.network.cut();
  await device.context.setOffline(true);
}

export async function goOnline(device: Device): Promise<void> {
  device.network.restore();
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

/** How many notes `owner` has, straight from the demo server's PostgreSQL. */
export async function notesInDatabase(owner: string): Promise<number> {
  const client = new pg.Client({ connectionString: inject("databaseUrl") });
  await client.connect();
  try {
    const rows = await client.query("select count(*)::int as n from notes where owner_id = $1", [owner]);
    return rows.rows[0].n as number;
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
