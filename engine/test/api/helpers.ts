/**
 * One real engine per test, in-process as `messagefoundry serve` runs it: `Engine.open` over a temp
 * SQLite file (encrypted bodies; store and auth tables in the same file), its registry runner serving
 * a small boot config, config versions for stage/promote/rollback, and the API from
 * `buildApp(engineServices(engine))` on an ephemeral loopback port. The auth clock is hand-driven;
 * plain `fetch` is the client.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { buildApp, type RequestOriginOptions } from "../../src/api/index.js";
import { type AuthPolicy, type AuthService, ROLES, type Role, UserAdmin } from "../../src/auth/index.js";
import { Engine, engineServices } from "../../src/runtime/index.js";
import { aesGcmCodec, makeStoreKey, type SqliteStore } from "../../src/store/index.js";
import { CHEAP_HASH, Clock, PASSWORD, totpAt } from "../auth/helpers.js";

import { freePort, writeFiles } from "../support/fixtures.js";

export { freePort, PASSWORD, writeFiles };

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted field by field in tests
  body: any;
  headers: Headers;
}

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Harness {
  app: FastifyInstance;
  base: string;
  clock: Clock;
  auth: AuthService;
  users: UserAdmin;
  engine: Engine;
  store: SqliteStore;
  dir: string;
  adminSecret: string;
  call(method: string, path: string, opts?: CallOptions): Promise<Reply>;
  /** Logs in the user named after the role (with a fresh TOTP code where the role requires MFA). */
  login(role: Role): Promise<string>;
  /** The next TOTP code for the user named after `role` (advances the clock one step so codes are never reused). */
  totp(role: Role): string;
  /** `totp("administrator")`. */
  adminTotp(): string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  policy?: Partial<AuthPolicy>;
  statsIntervalMs?: number;
  /** The config dir the engine boots (default `bootConfig` on free ports). */
  boot?: Record<string, string>;
  /**
   * Connections stopped (through the runner) right after boot. Default, with the default boot
   * config: both, because these tests drive rows through the store's stages by hand and the running
   * workers would otherwise claim them first.
   */
  quiet?: string[];
  /** The engine's environment variables (what `env()` and staged config see). */
  processEnv?: Record<string, string>;
  /** Serve the API over HTTPS with this PEM certificate and key (`base` is then https://). */
  https?: { cert: string; key: string };
  /** Extra Host names / browser origins the API accepts (what serve's --api-allowed-* flags give). */
  allowed?: RequestOriginOptions;
}

/** The default boot config: IB_TEST_ADT (MLLP) → router → handler → OB_TEST_ADT (MLLP). */
export function bootConfig(ports: { inPort: number; outPort: number }): Record<string, string> {
  return {
    "adt.ts": `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_TEST_ADT", mllp({ host: "127.0.0.1", port: ${ports.inPort} }), { router: "test_router" });
outbound("OB_TEST_ADT", mllp({ host: "127.0.0.1", port: ${ports.outPort} }));
router("test_router", () => ["test_handler"]);
handler("test_handler", (msg) => send("OB_TEST_ADT", msg));
`,
  };
}

export async function startApi(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "mf-api-"));
  const configDir = join(dir, "config");
  mkdirSync(configDir);
  const boot = opts.boot ?? bootConfig({ inPort: await freePort(), outPort: await freePort() });
  writeFiles(configDir, boot);
  const quiet = opts.quiet ?? (opts.boot ? [] : ["IB_TEST_ADT", "OB_TEST_ADT"]);
  const clock = new Clock();
  const policy = { hash: CHEAP_HASH, ...opts.policy };
  let engine: Engine | undefined;
  let app: FastifyInstance | undefined;
  try {
    engine = await Engine.open({
      configDir,
      dbPath: join(dir, "engine.db"),
      env: "test",
      codec: aesGcmCodec(makeStoreKey(randomBytes(32))),
      processEnv: opts.processEnv ?? {},
      offloadDelivery: false,
      actor: "test-setup",
      runner: { workers: { pollMs: 200 }, restart: { baseDelayMs: 50, maxDelayMs: 500 } },
      auth: { policy, now: clock.now },
    });
    for (const name of quiet) await engine.runner.stopConnection(name);
    // The engine's own auth repository: TOTP secrets sealed with its store key, as `user mfa` does.
    const users = new UserAdmin(engine.authRepository, { policy, now: clock.now });
    // Every role the policy requires MFA for is enrolled (administrator and deployer by default).
    const secrets = new Map<Role, string>();
    for (const role of ROLES) {
      await users.add("test-setup", role, role, PASSWORD);
      if (engine.auth.policy.mfaRequiredRoles.includes(role))
        secrets.set(role, (await users.enrolMfa("test-setup", role)).secret);
    }
    const adminSecret =
      secrets.get("administrator") ?? (await users.enrolMfa("test-setup", "administrator")).secret;

    app = buildApp(engineServices(engine), {
      version: "9.9.9-test",
      statsIntervalMs: opts.statsIntervalMs ?? 1000,
      ...(opts.https && { https: opts.https }),
      ...(opts.allowed && { allowed: opts.allowed }),
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const addr = app.server.address();
    if (addr === null || typeof addr === "string") throw new Error("no TCP address");
    const base = `${opts.https ? "https" : "http"}://127.0.0.1:${addr.port}`;
    const running = engine;
    const api = app;

    const h: Harness = {
      app: api,
      base,
      clock,
      auth: running.auth,
      users,
      engine: running,
      store: running.store as SqliteStore,
      dir,
      adminSecret,
      async call(method, path, o = {}) {
        const headers: Record<string, string> = { ...o.headers };
        if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
        let body: string | undefined;
        if (o.body !== undefined) {
          headers["content-type"] = "application/json";
          body = JSON.stringify(o.body);
        }
        const res = await fetch(base + path, { method, headers, ...(body !== undefined && { body }) });
        const text = await res.text();
        // JSON answers parsed; others (GET /metrics is Prometheus text) kept as text.
        const json = res.headers.get("content-type")?.includes("json") ?? false;
        return {
          status: res.status,
          body: text ? (json ? JSON.parse(text) : text) : undefined,
          headers: res.headers,
        };
      },
      totp(role) {
        const secret = role === "administrator" ? adminSecret : secrets.get(role);
        if (secret === undefined) throw new Error(`${role} has no MFA enrolled in this harness`);
        clock.advance(30_000);
        return totpAt(secret, clock.t);
      },
      adminTotp() {
        return h.totp("administrator");
      },
      async login(role) {
        const body: Record<string, string> = { username: role, password: PASSWORD };
        if (role === "administrator" || secrets.has(role)) body.totp = h.totp(role);
        const r = await h.call("POST", "/auth/login", { body });
        if (r.status !== 200) throw new Error(`login ${role}: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body.token as string;
      },
      async close() {
        await api.close();
        await running.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return h;
  } catch (err) {
    await app?.close();
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A synthetic ADT^A01 (invented patient TEST^PATIENT). */
export function adt(controlId: string, family = "TEST"): string {
  return [
    `MSH|^~\\&|SENDAPP|SENDFAC|RECVAPP|RECVFAC|20260101120000||ADT^A01|${controlId}|P|2.5`,
    "EVN|A01|20260101120000",
    `PID|1||MRN${controlId}^^^HOSP^MR||${family}^PATIENT||19800101|F`,
  ].join("\r");
}

/** Receives a message through the real store's group commit. */
export async function receive(
  h: Harness,
  controlId: string,
  family = "TEST",
  inbound = "IB_TEST_ADT",
): Promise<number> {
  const r = await h.store.enqueueIngress({
    inbound,
    raw: Buffer.from(adt(controlId, family), "utf8"),
    controlId,
    messageType: "ADT^A01",
  });
  return r.messageId;
}

/** Drives one message through routing and transform to a dead-lettered outbound row. Returns its row id. */
export async function deadLetterOutbound(
  h: Harness,
  controlId: string,
): Promise<{ messageId: number; rowId: number }> {
  const messageId = await receive(h, controlId);
  const owner = "test-worker";
  const claim = { owner, limit: 10, leaseMs: 60_000 };
  const [ing] = await h.store.claimIngress("IB_TEST_ADT", claim);
  if (!ing) throw new Error("no ingress row");
  await h.store.completeRouting(owner, [{ rowId: ing.rowId, handlers: ["H_TEST"] }]);
  const [routed] = await h.store.claimRouted("IB_TEST_ADT", claim);
  if (!routed) throw new Error("no routed row");
  await h.store.completeTransform(owner, [
    { rowId: routed.rowId, sends: [{ outbound: "OB_TEST_ADT", payload: routed.payload }] },
  ]);
  const [out] = await h.store.claimOutbound("OB_TEST_ADT", claim);
  if (!out) throw new Error("no outbound row");
  await h.store.completeDelivery(owner, [{ rowId: out.rowId, status: "dead", error: "AR from receiver" }]);
  return { messageId, rowId: out.rowId };
}

/** Fills a route's `:params` with plausible values. */
export function concrete(url: string): string {
  return url.replace(/:id\b/g, "1").replace(/:name\b/g, "IB_TEST_ADT");
}

/** Dead-letters `n` outbound rows (one message each) in a few batched store calls. Returns the message ids. */
export async function deadLetterMany(h: Harness, n: number, prefix = "BULK"): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(await receive(h, `${prefix}${String(i).padStart(5, "0")}`));
  const owner = "test-worker";
  const claim = { owner, limit: n, leaseMs: 60_000 };
  const ing = await h.store.claimIngress("IB_TEST_ADT", claim);
  await h.store.completeRouting(
    owner,
    ing.map((r) => ({ rowId: r.rowId, handlers: ["H_TEST"] })),
  );
  const routed = await h.store.claimRouted("IB_TEST_ADT", claim);
  await h.store.completeTransform(
    owner,
    routed.map((r) => ({ rowId: r.rowId, sends: [{ outbound: "OB_TEST_ADT", payload: r.payload }] })),
  );
  // FIFO lanes hand out one row at a time.
  for (;;) {
    const out = await h.store.claimOutbound("OB_TEST_ADT", claim);
    if (out.length === 0) break;
    await h.store.completeDelivery(
      owner,
      out.map((r) => ({ rowId: r.rowId, status: "dead" as const, error: "AR from receiver" })),
    );
  }
  return ids;
}

/** Makes every audit append fail (a real SQLite error) until the returned function is called. */
export function breakAudit(h: Harness): () => void {
  h.store.db.exec(
    "CREATE TEMP TRIGGER test_audit_down BEFORE INSERT ON main.auth_audit BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END",
  );
  return () => h.store.db.exec("DROP TRIGGER temp.test_audit_down");
}
