import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

/**
 * Starts the real demo server for the end-to-end tests: `dev.nizhal.demo.DemoServer` (nizhal serve of the demo apps
 * with the embedded PostgreSQL, in a fresh temporary data folder, on a free port), serving the built demo app.
 * Maven passes NIZHAL_JAVA and NIZHAL_DEMO_CLASSPATH_FILE; run by hand, it uses the class path `./nizhal` keeps.
 */
const clients = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(clients, "..");

declare module "vitest" {
  export interface ProvidedContext {
    serverUrl: string;
    /** An operator token for the admin console, as the demo prints it. */
    adminToken: string;
    /** The embedded PostgreSQL of the demo server, for the tests' checks of the journal. */
    databaseUrl: string;
  }
}

function classpath(): string {
  const file = process.env["NIZHAL_DEMO_CLASSPATH_FILE"];
  if (file) return readFileSync(file, "utf8").trim();
  const kept = join(root, "deploy/demo/target/nizhal.classpath");
  if (!existsSync(kept)) {
    throw new Error(
      "no class path of the demo server: run the tests through ./build verify, or build it once with ./nizhal --help",
    );
  }
  return `${join(root, "deploy/demo/target/classes")}:${readFileSync(kept, "utf8").trim()}`;
}

function java(): string {
  const given = process.env["NIZHAL_JAVA"];
  if (given) return given;
  return join(execFileSync(join(root, "build"), ["--print-java-home"], { encoding: "utf8" }).trim(), "bin/java");
}

let server: ChildProcess | undefined;
let home: string | undefined;

export default async function setup(project: TestProject) {
  const web = join(clients, "apps/demo/dist");
  if (!existsSync(join(web, "index.html"))) throw new Error(`the demo app is not built (${web}): run npm run build`);
  home = mkdtempSync(join(tmpdir(), "nizhal-e2e-"));
  const log: string[] = [];
  server = spawn(java(), ["-cp", classpath(), "dev.nizhal.demo.DemoServer"], {
    env: { ...process.env, NIZHAL_DEMO_HOME: home, NIZHAL_PORT: "0", NIZHAL_DEMO_WEB: web, NIZHAL_HOST: "127.0.0.1",
      NIZHAL_ADMIN_CONSOLE: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [url, adminToken] = await new Promise<[string, string]>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo server did not start in 120 s:\n${log.join("")}`)), 120_000);
    const read = (chunk: Buffer) => {
      log.push(chunk.toString());
      const match = /Nizhal demo on (http:\/\/[^\s]+?)\/? /.exec(log.join(""));
      const admin = /operator token \(1 h\):\s+(\S+)/.exec(log.join(""));
      if (match && admin) {
        clearTimeout(timer);
        resolveUrl([match[1]!.replace(/\/$/, ""), admin[1]!]);
      }
    };
    server!.stdout!.on("data", read);
    server!.stderr!.on("data", (chunk: Buffer) => log.push(chunk.toString()));
    server!.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo server exited with ${code}:\n${log.join("")}`));
    });
  });
  server.removeAllListeners("exit");
  // whatever happens to this process, the server does not outlive it
  process.once("exit", () => server?.exitCode === null && server.kill("SIGKILL"));
  server.stdout!.removeAllListeners("data");
  server.stdout!.resume();
  server.stderr!.resume();
  project.provide("serverUrl", url);
  project.provide("adminToken", adminToken);
  // zonky's PostgreSQL writes its port on the fourth line of postmaster.pid in the data folder
  const port = readFileSync(join(home, "postgres", "postmaster.pid"), "utf8").split("\n")[3]?.trim();
  project.provide("databaseUrl", `postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  return teardown;
}

async function teardown() {
  const started = Date.now();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    server.kill("SIGTERM"); // a graceful stop also stops the embedded PostgreSQL
    await Promise.race([exited, new Promise((r) => setTimeout(r, 25_000))]);
    if (server.exitCode === null) server.kill("SIGKILL");
  }
  if (home) rmSync(home, { recursive: true, force: true });
  console.log(`e2e: the demo server stopped in ${Date.now() - started} ms`);
}
