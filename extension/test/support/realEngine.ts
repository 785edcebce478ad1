/**
 * The real engine, in-process: `Engine.open` (store + auth over a temp SQLite file, the registry
 * runner on a small config, config versions) with the API from `buildApp(engineServices(engine))`
 * listening on an ephemeral loopback port — what `messagefoundry serve` runs, minus the CLI. The
 * extension's client and promote tests talk to it over real HTTP/WebSocket, so they prove the
 * engine's actual contract.
 *
 * The auth clock is hand-driven (starting at the real time) so a test can let the re-authentication
 * window lapse and compute TOTP codes as an authenticator app would, without sleeping.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { TOTP } from "otpauth";
import { buildApp } from "../../../engine/src/api/index.js";
import { UserAdmin } from "../../../engine/src/auth/index.js";
import { Engine, engineServices } from "../../../engine/src/runtime/index.js";
import { plainCodec } from "../../../engine/src/store/index.js";

import { freePort, writeFiles } from "../../../engine/test/support/fixtures.js";

export { freePort, writeFiles };

/** Still argon2id, cheap enough for a user per test. */
const CHEAP_HASH = { memoryCost: 4096, timeCost: 1, parallelism: 1 };
const PASSWORD = "correct-horse-battery";

/**
 * A deployer (stage/promote), an operator (messages, raw view, replay), both without MFA, and an
 * administrator (MFA enrolled). The engine requires MFA for deployers too by default; this engine's
 * policy keeps it to administrators so the client's flows are tested with and without a TOTP prompt
 * (engine/test/auth/mfa-roles.test.ts tests the default).
 */
export const DEPLOYER = { username: "deployer", password: PASSWORD };
export const OPERATOR = { username: "operator", password: PASSWORD };
export const ADMIN = { username: "administrator", password: PASSWORD };

/** The config the engine boots with: one MLLP inbound → router → handler → one outbound. */
export function configFiles(opts: {
  inPort: number;
  sinkPort: number;
  tag?: string;
  extraOutbound?: boolean;
  /** Index PID-3.1 and MSH-10 for identifier search (the engine then needs MEFOR_INDEX_KEY). */
  identifiers?: boolean;
}) {
  const extra = opts.extraOutbound
    ? `outbound("OB_TEST_COPY", mllp({ host: "127.0.0.1", port: env("sink_port", "int") }));\n`
    : "";
  return {
    "routes.ts": `import { env, handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_TEST_ADT", mllp({ host: "127.0.0.1", port: env("in_port", "int") }), { router: "test_router"${opts.identifiers ? ', identifiers: ["PID-3.1", "MSH-10"]' : ""} });
outbound("OB_TEST_SINK", mllp({ host: "127.0.0.1", port: env("sink_port", "int") }));
${extra}router("test_router", () => ["test_handler"]);
handler("test_handler", (msg) => {
  msg.set("MSH-5", "${opts.tag ?? "V1"}");
  return ${opts.extraOutbound ? '[send("OB_TEST_SINK", msg), send("OB_TEST_COPY", msg)]' : 'send("OB_TEST_SINK", msg)'};
});
`,
    "environments/test.toml": `in_port = ${opts.inPort}\nsink_port = ${opts.sinkPort}\n`,
  };
}

export interface RealEngine {
  url: string;
  engine: Engine;
  /** The ports the boot config uses (a staged bundle keeps them so promote can rebind). */
  ports: { inPort: number; sinkPort: number };
  /** The next TOTP code for the administrator (moves the auth clock one step: codes are single-use). */
  adminTotp(): string;
  /** Lets time pass for the auth core (e.g. past the re-authentication window). */
  advance(ms: number): void;
  /** Adds a user of `role` (no MFA) with the test password; returns its credentials. */
  addUser(name: string, role: string): Promise<{ username: string; password: string }>;
  /** Receives a synthetic message into the store, as an inbound would. Returns its message id. */
  receive(controlId: string): Promise<number>;
  close(): Promise<void>;
}

export async function startRealEngine(
  opts: {
    statsIntervalMs?: number;
    /** More config files (e.g. an alerts module). */
    extraFiles?: Record<string, string>;
    identifiers?: boolean;
  } = {},
): Promise<RealEngine> {
  const dir = mkdtempSync(join(tmpdir(), "mf-ext-engine-"));
  const configDir = join(dir, "config");
  const ports = { inPort: await freePort(), sinkPort: await freePort() };
  writeFiles(configDir, {
    ...configFiles({ ...ports, ...(opts.identifiers ? { identifiers: true } : {}) }),
    ...opts.extraFiles,
  });
  let t = Date.now();
  const now = () => t;
  const policy = { hash: CHEAP_HASH, mfaRequiredRoles: ["administrator"] };
  let engine: Engine | undefined;
  let app: FastifyInstance | undefined;
  try {
    engine = await Engine.open({
      configDir,
      dbPath: join(dir, "engine.db"),
      env: "test",
      codec: plainCodec(),
      processEnv: opts.identifiers ? { MEFOR_INDEX_KEY: randomBytes(32).toString("base64") } : {},
      offloadDelivery: false,
      actor: "test-setup",
      runner: { workers: { pollMs: 200 }, restart: { baseDelayMs: 50, maxDelayMs: 500 } },
      auth: { policy, now },
    });
    const users = new UserAdmin(engine.authRepository, { policy, now });
    await users.add("test-setup", DEPLOYER.username, "deployer", DEPLOYER.password);
    await users.add("test-setup", OPERATOR.username, "operator", OPERATOR.password);
    await users.add("test-setup", ADMIN.username, "administrator", ADMIN.password);
    const secret = (await users.enrolMfa("test-setup", ADMIN.username)).secret;
    const totp = new TOTP({ secret, digits: 6, period: 30, algorithm: "SHA1" });

    app = buildApp(engineServices(engine), {
      version: "0.0.0-ext-test",
      statsIntervalMs: opts.statsIntervalMs ?? 50,
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const addr = app.server.address();
    if (addr === null || typeof addr === "string") throw new Error("the API has no TCP address");
    const running = engine;
    const api = app;
    return {
      url: `http://127.0.0.1:${addr.port}`,
      engine: running,
      ports,
      adminTotp() {
        t += 30_000;
        return totp.generate({ timestamp: t });
      },
      advance(ms) {
        t += ms;
      },
      async addUser(name, role) {
        await users.add("test-setup", name, role, PASSWORD);
        return { username: name, password: PASSWORD };
      },
      async receive(controlId) {
        const raw = [
          `MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^A01^ADT_A01|${controlId}|P|2.5.1`,
          "EVN|A01|20260101120000",
          `PID|1||${controlId}^^^MRN||TEST^PATIENT||19700101|U`,
        ].join("\r");
        const r = await running.store.enqueueIngress({
          inbound: "IB_TEST_ADT",
          raw: Buffer.from(raw, "utf8"),
          controlId,
          messageType: "ADT^A01",
        });
        return r.messageId;
      },
      async close() {
        await api.close();
        await running.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await app?.close();
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
