/**
 * The engine the Stage → Promote scenario promotes to: the real one, `messagefoundry serve` from
 * engine/dist over a SQLite file in the run's temp dir, with a deployer made by `messagefoundry user add`
 * and enrolled in TOTP MFA by `messagefoundry user mfa` (as a release manager would be). The test's own
 * look-ups (the active version before and after) go through one session of that same user.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, log, repo, run, waitForHttp } from "./harness.js";

export interface TestEngineProcess {
  url: string;
  username: string;
  password: string;
  /** A TOTP code the engine has not seen yet (waits for the next 30 s step when needed). */
  totp(): Promise<string>;
  /** An administrator (MFA enrolled) for the Users & Sessions view. */
  admin: { username: string; password: string; totp(): Promise<string> };
  /** The active config version as the engine reports it. */
  active(): Promise<{ versionId: string; contentHash: string } | undefined>;
  logFile: string;
  stop(): Promise<void>;
}

const cli = join(repo, "engine/dist/cli/main.js");

export async function startEngine(opts: { root: string; configDir: string }): Promise<TestEngineProcess> {
  const db = join(opts.root, "e2e.db");
  // A deployer: the least role that may stage and promote.
  const username = "e2e_deployer";
  const password = "e2e-Correct-Horse-42";
  log("creating the engine user (messagefoundry user add / user mfa)");
  await cliWithStdin(["user", "add", username, "--role", "deployer", "--db", db], `${password}\n`);
  const enrolment = await run("node", [cli, "user", "mfa", username, "--db", db]);
  const uri = /otpauth:\/\/\S+/.exec(enrolment)?.[0];
  if (!uri) throw new Error(`\`messagefoundry user mfa\` printed no otpauth:// URI:\n${enrolment}`);
  const totp = new Totp(uri);
  // An administrator too, for the Users & Sessions view (administrators must enrol MFA as well).
  const admin = { username: "e2e_admin", password: "e2e-Admin-Horse-42" };
  await cliWithStdin(
    ["user", "add", admin.username, "--role", "administrator", "--db", db],
    `${admin.password}\n`,
  );
  const adminUri = /otpauth:\/\/\S+/.exec(
    await run("node", [cli, "user", "mfa", admin.username, "--db", db]),
  )?.[0];
  if (!adminUri) throw new Error("`messagefoundry user mfa` printed no otpauth:// URI for the administrator");
  const adminTotp = new Totp(adminUri);

  const port = await freePort();
  const logFile = join(opts.root, "engine.log");
  const out = openSync(logFile, "a");
  const child = spawn(
    "node",
    [
      cli,
      "serve",
      "--config",
      opts.configDir,
      "--env",
      "dev",
      "--db",
      db,
      "--insecure-no-encryption",
      "--api-port",
      String(port),
    ],
    { cwd: opts.root, stdio: ["ignore", out, out] },
  );
  const url = `http://127.0.0.1:${port}`;
  log(`starting the engine on ${url}`);
  await waitOrExit(
    child,
    waitForHttp(`${url}/health`, 60_000, "the engine", () => child.exitCode === null),
    logFile,
  );

  const token = await api<{ token: string }>(url, "POST", "/auth/login", {
    body: { username, password, totp: await totp.fresh() },
  }).then((r) => r.token);
  return {
    url,
    username,
    password,
    totp: () => totp.fresh(),
    admin: { ...admin, totp: () => adminTotp.fresh() },
    async active() {
      type Active = { versionId: string; contentHash: string } | null;
      return (await api<{ active: Active }>(url, "GET", "/config/active", { token })).active ?? undefined;
    },
    logFile,
    stop: () => stop(child),
  };
}

async function api<T>(
  url: string,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string },
): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(opts.body === undefined ? {} : { "content-type": "application/json" }),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** The CLI with `input` on stdin (`user add` reads the password there, never from argv). */
async function cliWithStdin(args: string[], input: string): Promise<void> {
  const child = spawn("node", [cli, ...args], { cwd: repo, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stdin.end(input);
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0)
    throw new Error(`messagefoundry ${args.slice(0, 2).join(" ")} failed (exit ${code}):\n${output}`);
}

/**
 * RFC 6238 codes for an otpauth:// URI, as an authenticator app computes them. The engine refuses a
 * code from a step it has already accepted, so `fresh()` waits for a step newer than the last one used.
 */
class Totp {
  private readonly key: Buffer;
  private readonly algorithm: string;
  private readonly digits: number;
  private readonly periodS: number;
  private lastStep = -1;

  constructor(uri: string) {
    const params = new URL(uri).searchParams;
    this.key = base32(params.get("secret") ?? "");
    this.algorithm = (params.get("algorithm") ?? "SHA1").toLowerCase();
    this.digits = Number(params.get("digits") ?? 6);
    this.periodS = Number(params.get("period") ?? 30);
  }

  async fresh(): Promise<string> {
    let step = Math.floor(Date.now() / 1000 / this.periodS);
    if (step <= this.lastStep) {
      const waitMs = (this.lastStep + 1) * this.periodS * 1000 - Date.now() + 200;
      log(`waiting ${Math.ceil(waitMs / 1000)} s for a TOTP step the engine has not seen`);
      await new Promise((r) => setTimeout(r, waitMs));
      step = this.lastStep + 1;
    }
    this.lastStep = step;
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(step));
    const mac = createHmac(this.algorithm, this.key).update(counter).digest();
    const offset = (mac[mac.length - 1] ?? 0) & 0xf;
    const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** this.digits;
    return String(value).padStart(this.digits, "0");
  }
}

function base32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let acc = 0;
  const bytes: number[] = [];
  for (const ch of text.replace(/=+$/, "").toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`the TOTP secret is not base32 (found ${JSON.stringify(ch)})`);
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

async function waitOrExit<T>(child: ChildProcess, ready: Promise<T>, logFile: string): Promise<T> {
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(
      `the engine exited (${String(code)}) before it was ready:\n${readFileSync(logFile, "utf8").slice(-3000)}`,
    );
  });
  return Promise.race([ready, exited]);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
