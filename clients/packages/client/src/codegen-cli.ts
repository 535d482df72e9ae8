#!/usr/bin/env node
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { realpathSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { checkContract, generateTypes } from "./codegen.js";
import { PROTOCOL_VERSION, type Contract } from "./protocol.js";

const USAGE = `Usage: nizhal-codegen (--server <url> [--token <token>] | --contract <file>) [--out <file>]

Writes TypeScript types for a Nizhal server's mutators and rows, from its contract (GET /nizhal/contract).

  --server <url>     the server's base URL, e.g. http://localhost:4000 (the contract is <url>/nizhal/contract)
  --token <token>    a bearer token for the server; default: the NIZHAL_TOKEN environment variable
  --contract <file>  a saved contract (JSON) instead of a server; - reads standard input
  --out <file>       where to write the .ts file, e.g. src/nizhal-types.ts; default: standard output
  -h, --help         show this help

Exit codes: 0 written; 1 the contract could not be read, fetched or written; 2 wrong usage.`;

/** What the CLI reads and writes, so that tests can run it in-process. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => Promise<string>;
  fetch: typeof fetch;
}

class UsageError extends Error {}

/** Runs `nizhal-codegen` with `argv` (the arguments after the command); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let options;
  try {
    options = parse(argv, io.env);
  } catch (e) {
    io.stderr(`nizhal-codegen: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === "help") {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  try {
    const { contract, source } =
      options.kind === "server"
        ? { contract: await fetchContract(options.server, options.token, io.fetch), source: options.server }
        : { contract: await readContract(options.file, io.stdin), source: options.file === "-" ? "stdin" : options.file };
    const text = generateTypes(contract, { source });
    if (options.out === undefined) {
      io.stdout(text);
    } else {
      try {
        await mkdir(dirname(options.out), { recursive: true });
        await writeFile(options.out, text);
      } catch (e) {
        throw new Error(`cannot write ${options.out}: ${(e as Error).message}`);
      }
      const rules = Object.keys(contract.syncRules).length;
      const mutators = Object.keys(contract.mutators).length;
      io.stderr(`nizhal-codegen: wrote ${options.out} (${mutators} mutators, ${rules} rules)\n`);
    }
    return 0;
  } catch (e) {
    io.stderr(`nizhal-codegen: ${(e as Error).message}\n`);
    return 1;
  }
}

type Options =
  | "help"
  | { kind: "server"; server: string; token: string; out: string | undefined }
  | { kind: "file"; file: string; out: string | undefined };

function parse(argv: string[], env: CliIo["env"]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        server: { type: "string" },
        token: { type: "string" },
        contract: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { server, token, contract, out, help } = parsed.values;
  if (help) return "help";
  if (out === "") throw new UsageError("--out needs a file name");
  if (server !== undefined && contract !== undefined) throw new UsageError("give either --server or --contract, not both");
  if (contract !== undefined) {
    if (token !== undefined) throw new UsageError("--token goes with --server, not with --contract");
    if (contract === "") throw new UsageError("--contract needs a file name (or - for standard input)");
    return { kind: "file", file: contract, out };
  }
  if (server === undefined) throw new UsageError("say where the contract comes from: --server <url> or --contract <file>");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server ${server} is not a URL (e.g. http://localhost:4000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--server ${server} should be an http or https URL`);
  }
  const bearer = token ?? env.NIZHAL_TOKEN;
  if (!bearer) throw new UsageError("the server needs a token: --token <token> or the NIZHAL_TOKEN environment variable");
  return { kind: "server", server, token: bearer, out };
}

async function fetchContract(server: string, token: string, fetchImpl: typeof fetch): Promise<Contract> {
  const url = `${server.replace(/\/+$/, "")}/nizhal/contract`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "Nizhal-Protocol": String(PROTOCOL_VERSION) },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  const body = await response.text();
  if (!response.ok) {
    const error = errorOf(body);
    const hint =
      response.status === 401
        ? " (check the token: missing, expired or signed with another key)"
        : response.status === 404
          ? " (is this a Nizhal server, and is --server its base URL?)"
          : "";
    throw new Error(
      `GET ${url} answered ${response.status}${error ? ` ${error.code}: ${error.message}` : ""}${hint}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error(`GET ${url} did not answer JSON (is --server the Nizhal server's base URL?)`);
  }
  return checkContract(json);
}

async function readContract(file: string, stdin: () => Promise<string>): Promise<Contract> {
  let text: string;
  try {
    text = file === "-" ? await stdin() : await readFile(file, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new Error(code === "ENOENT" ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file === "-" ? "standard input" : file} is not JSON: ${(e as Error).message}`);
  }
  return checkContract(json);
}

function errorOf(body: string): { code: string; message: string } | undefined {
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof error?.code === "string") return { code: error.code, message: String(error.message ?? "") };
  } catch {
    // not the protocol's error body
  }
  return undefined;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** True when this module is the program node runs (also through npm's bin link), not an import. */
function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  runCli(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: readStdin,
    fetch: globalThis.fetch,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`nizhal-codegen: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
