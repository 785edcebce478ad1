/**
 * `messagefoundry serve`: run the engine — the store, the registry runner on the config, and the API
 * (127.0.0.1:8765 by default). Structured JSON logs on stdout (pino): lifecycle events, ids and
 * counts, never message bodies. SIGINT/SIGTERM stop it gracefully: intake closes after in-flight
 * messages are ACKed, workers finish their batch, the store flushes and closes.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { pino } from "pino";
import {
  buildApp,
  checkBinding,
  DEFAULT_HOST,
  DEFAULT_PORT,
  normalizeOrigin,
  parseHostHeader,
} from "../api/index.js";
import { type Directory, LDAP_BIND_PASSWORD_ENV, LdapDirectory } from "../auth/index.js";
import { LogRing } from "../log-ring.js";
import { AuditForwarder, auditSink } from "../runtime/audit-forward.js";
import { Engine, EngineStartError, engineServices, type StoreSettings } from "../runtime/index.js";
import { engineSettingsOf, type StoreFlags, storeOptions, storeSettingsOf } from "./db.js";
import { type CliIo, configDir, EXIT, pickEnv, UserError } from "./io.js";
import {
  DEFAULT_LOCAL_TOKEN_FILE,
  type LocalDevSession,
  localDevBindError,
  startLocalDev,
} from "./local-dev.js";

/** [auth.ldap] → the directory sign-in uses; its service password only from the environment. */
function directoryOf(io: CliIo, opts: ServeOptions): Directory | undefined {
  const ldap = engineSettingsOf(io, opts)?.ldap;
  if (!ldap) return undefined;
  const password = io.env[LDAP_BIND_PASSWORD_ENV];
  if (ldap.bindDn !== undefined && !password)
    throw new UserError(
      `[auth.ldap] bind_dn is set but ${LDAP_BIND_PASSWORD_ENV} is not: set the service account's password in the engine's environment`,
    );
  return new LdapDirectory(ldap, password);
}

/** Where `serve` keeps its state when neither --db nor --settings [store] says. */
const DEFAULT_DB = ".messagefoundry/engine.db";

interface ServeOptions extends StoreFlags {
  config: string;
  env?: string;
  apiHost?: string;
  apiPort?: string;
  insecureNoEncryption?: boolean;
  insecureBindReason?: string;
  tlsCert?: string;
  tlsKey?: string;
  retentionDays?: string;
  stageTtlMinutes: string;
  logLevel: string;
  apiAllowedHost: string[];
  apiAllowedOrigin: string[];
  localDev?: boolean;
  localTokenFile: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The engine package's version (engine/package.json from src/cli or dist/cli alike). */
export function engineVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  storeOptions(
    program
      .command("serve")
      .description("Run the engine: connections, queue workers and the API, until SIGINT/SIGTERM.")
      .requiredOption("-c, --config <dir>", "config directory")
      .option("-e, --env <env>", "environment for env() values (default MEFOR_ENV, else dev when present)"),
    `SQLite database (store, users, audit; default ${DEFAULT_DB})`,
  )
    .option("--api-host <host>", `API bind address (default ${DEFAULT_HOST})`)
    .option("--api-port <port>", `API port (default ${DEFAULT_PORT})`)
    .option(
      "--api-allowed-host <host>",
      "also accept this Host name (name or name:port, e.g. a proxy's); repeatable",
      collect,
      [],
    )
    .option(
      "--api-allowed-origin <origin>",
      "accept requests from this browser origin (https://host[:port]); repeatable",
      collect,
      [],
    )
    .option("--tls-cert <file>", "API TLS certificate (PEM)")
    .option("--tls-key <file>", "API TLS private key (PEM)")
    .option(
      "--insecure-bind-reason <text>",
      "allow plain HTTP on a non-loopback address, with this logged reason",
    )
    .option(
      "--insecure-no-encryption",
      "development only: store message bodies unencrypted when no MEFOR_STORE_KEY",
    )
    .option("--retention-days <n>", "purge finished messages older than this many days")
    .option(
      "--stage-ttl-minutes <n>",
      "delete a staged, unpromoted config (and its files) after this long",
      "60",
    )
    .option("--log-level <level>", "pino level: debug, info, warn, error", "info")
    .option(
      "--local-dev",
      "a developer's local engine: loopback only, bodies unencrypted without a key, and a one-time sign-in token written to --local-token-file",
    )
    .option(
      "--local-token-file <file>",
      "where --local-dev writes its token (owner-only)",
      DEFAULT_LOCAL_TOKEN_FILE,
    )
    .action(async (opts: ServeOptions) => {
      setExit(await serve(io, opts));
    });
}

function intOption(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UserError(`${name} must be an integer ${min}..${max}`);
  return n;
}

/** The settings file's [api] under the flags: a flag given wins over the file. */
function withApiSettings(io: CliIo, opts: ServeOptions): ServeOptions {
  const api = engineSettingsOf(io, opts)?.api;
  if (!api) return opts;
  const merged = { ...opts };
  if (merged.apiHost === undefined && api.host !== undefined) merged.apiHost = api.host;
  if (merged.apiPort === undefined && api.port !== undefined) merged.apiPort = String(api.port);
  if (merged.tlsCert === undefined && merged.tlsKey === undefined) {
    if (api.tlsCert !== undefined) merged.tlsCert = api.tlsCert;
    if (api.tlsKey !== undefined) merged.tlsKey = api.tlsKey;
  }
  if (merged.apiAllowedHost.length === 0 && api.allowedHosts) merged.apiAllowedHost = api.allowedHosts;
  if (merged.apiAllowedOrigin.length === 0 && api.allowedOrigins)
    merged.apiAllowedOrigin = api.allowedOrigins;
  return merged;
}

/** Where the store is, for the start-up log line (never the password). */
function describeStore(store: StoreSettings): Record<string, unknown> {
  if (store.backend === "sqlite") return { backend: "sqlite", db: store.path };
  const { host, port, database, user, schema } = store.pg;
  return { backend: "postgres", host, port, database, user, schema: schema ?? "public" };
}

async function serve(io: CliIo, flags: ServeOptions): Promise<number> {
  const opts = withApiSettings(io, flags);
  const store = storeSettingsOf(io, opts, DEFAULT_DB);
  const dir = configDir(io, opts.config);
  const env = pickEnv(io, dir, opts.env);
  const port = intOption(opts.apiPort ?? String(DEFAULT_PORT), "--api-port", 0, 65535);
  const tls =
    opts.tlsCert !== undefined || opts.tlsKey !== undefined
      ? { cert: readPem(io, opts.tlsCert, "--tls-cert"), key: readPem(io, opts.tlsKey, "--tls-key") }
      : undefined;
  const apiHost = opts.apiHost ?? DEFAULT_HOST;
  const localDevError = opts.localDev ? localDevBindError(apiHost) : undefined;
  if (localDevError) throw new UserError(localDevError);
  const binding = checkBinding({ host: apiHost, tls, insecureReason: opts.insecureBindReason });
  if (!binding.ok) throw new UserError(binding.error);
  const allowed = { allowedHosts: opts.apiAllowedHost, allowedOrigins: opts.apiAllowedOrigin };
  for (const h of allowed.allowedHosts) {
    if (!parseHostHeader(h))
      throw new UserError(`--api-allowed-host: "${h}" is not a host name or host:port`);
  }
  for (const o of allowed.allowedOrigins) {
    if (!normalizeOrigin(o)) {
      throw new UserError(`--api-allowed-origin: "${o}" is not an origin like https://host:port`);
    }
  }
  const retentionMs =
    opts.retentionDays !== undefined
      ? intOption(opts.retentionDays, "--retention-days", 1, 36500) * 86_400_000
      : undefined;
  const stageTtlMs = intOption(opts.stageTtlMinutes, "--stage-ttl-minutes", 1, 10_080) * 60_000;
  const directory = directoryOf(io, opts);
  const cluster = engineSettingsOf(io, opts)?.cluster;
  if (cluster && store.backend !== "postgres")
    throw new UserError(
      '[cluster] enabled = true needs a shared PostgreSQL store: set [store] backend = "postgres" (SQLite cannot cluster)',
    );

  // Signals are watched from the start: a stop asked for during start-up waits for it, then drains.
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const stopRequested = new Promise<void>((resolveStop) => {
    onSignal = (signal) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      log.info({ event: "shutdown", signal }, "shutting down");
      resolveStop();
    };
  });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const unwatch = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  // stdout, and the ring support bundles read (GET /support/log) — the same lines.
  const recentLog = new LogRing();
  const log = pino(
    { level: opts.logLevel, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream([
      { level: opts.logLevel as pino.Level, stream: pino.destination({ dest: 1, sync: true }) },
      // Never below info: debug lines may carry patient data (docs/SECURITY.md); a bundle must not.
      { level: ringLevel(opts.logLevel), stream: recentLog },
    ]),
  );
  const version = engineVersion();
  if (binding.warning) log.warn({ event: "insecure-bind", host: binding.host }, binding.warning);
  log.info(
    {
      event: "starting",
      version,
      config: dir,
      env: env ?? null,
      store: describeStore(store),
      directory: directory?.describe ?? null,
      cluster: cluster ? { nodeId: cluster.nodeId, apiUrl: cluster.apiUrl ?? null } : null,
    },
    "engine starting",
  );

  let engine: Engine;
  try {
    engine = await Engine.open({
      configDir: dir,
      ...(env !== undefined ? { env } : {}),
      store,
      processEnv: io.env as NodeJS.ProcessEnv,
      insecureNoEncryption: opts.insecureNoEncryption === true || opts.localDev === true,
      ...(retentionMs !== undefined ? { retentionMs } : {}),
      stageTtlMs,
      log,
      ...(directory ? { auth: { directory } } : {}),
      ...(cluster ? { cluster } : {}),
    });
  } catch (error) {
    unwatch();
    if (error instanceof EngineStartError) {
      log.error({ event: "start-failed" }, error.message);
      log.flush();
      io.err(`messagefoundry serve: ${error.message}\n`);
      return EXIT.FAILED;
    }
    throw error;
  }

  const app = buildApp(engineServices(engine, { recentLog }), {
    version,
    host: binding.host,
    allowed,
    ...(tls ? { https: tls } : {}),
  });
  try {
    await app.listen({ host: binding.host, port });
  } catch (error) {
    unwatch();
    await engine.stop();
    throw new UserError(
      `API cannot listen on ${binding.host}:${port}: ${(error as Error).message}`,
      EXIT.FAILED,
    );
  }
  const address = app.server.address();
  const apiPort = typeof address === "object" && address ? address.port : port;
  const apiUrl = `${tls ? "https" : "http"}://${binding.host}:${apiPort}`;
  // Other nodes and clients are sent here (NOT_LEADER, GET /cluster/nodes) unless [cluster] api_url says.
  if (cluster && cluster.apiUrl === undefined) cluster.apiUrl = apiUrl;
  let localDev: LocalDevSession | undefined;
  if (opts.localDev) {
    localDev = await startLocalDev(engine, { url: apiUrl, file: resolve(io.cwd, opts.localTokenFile) });
    log.info({ event: "local-dev", tokenFile: localDev.file }, "local-dev sign-in token written");
  }
  const forwardTo = engineSettingsOf(io, opts)?.auditForward ?? [];
  const forwarder =
    forwardTo.length > 0
      ? new AuditForwarder(
          engine.auth,
          forwardTo.map((t) => auditSink(t)),
          {
            onError: (target, error) =>
              log.warn(
                { event: "audit-forward-failed", target, error: error.message },
                "audit forwarding failed; retrying",
              ),
          },
        )
      : undefined;
  await forwarder?.start();
  const active = await engine.activeVersion();
  log.info(
    {
      event: "ready",
      auditForward: forwardTo,
      api: apiUrl,
      versionId: active?.versionId,
      ...(engine.cluster ? { cluster: { nodeId: engine.cluster.nodeId, role: engine.cluster.role } } : {}),
      connections: engine.runner
        .connections()
        .map((c) => ({ name: c.name, direction: c.direction, transport: c.transport })),
    },
    "engine ready",
  );

  await stopRequested;
  // A second signal during the drain forces an exit.
  const force = () => {
    log.warn({ event: "forced-exit" }, "second signal: exiting without waiting for the drain");
    log.flush();
    process.exit(EXIT.FAILED);
  };
  process.once("SIGINT", force);
  process.once("SIGTERM", force);
  await app.close();
  await localDev?.end();
  await forwarder?.stop();
  await engine.stop();
  process.off("SIGINT", force);
  process.off("SIGTERM", force);
  log.flush();
  return EXIT.OK;
}

/** The ring's level: the engine's, but never below info. */
function ringLevel(level: string): pino.Level {
  return level === "debug" || level === "trace" ? "info" : (level as pino.Level);
}

function readPem(io: CliIo, file: string | undefined, flag: string): string {
  if (file === undefined) throw new UserError("--tls-cert and --tls-key go together");
  try {
    return readFileSync(resolve(io.cwd, file), "utf8");
  } catch (error) {
    throw new UserError(`${flag}: cannot read ${file}: ${(error as Error).message}`);
  }
}
