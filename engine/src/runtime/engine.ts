/**
 * The running engine: one SQLite file holding the store and the auth tables, the registry runner
 * serving the active config version, the retention job, and the services the API calls. `serve`
 * and the tests build it the same way; `open` refuses to start without a store key unless the
 * caller explicitly chose insecure development mode.
 */
import { resolve } from "node:path";
import { AuthService, type AuthServiceOptions, cliActor, SqliteAuthRepository } from "../auth/index.js";
import type { Registry } from "../config/index.js";
import { type PipelineLog, type RetentionJob, silentLog, startRetention } from "../pipeline/index.js";
import { Runner, type RunnerOptions } from "../pipeline/runner.js";
import {
  type BodyCodec,
  Checkpointer,
  codecFromEnv,
  openSqliteStore,
  type SqliteStore,
  secretSealer,
  WriteLock,
} from "../store/index.js";
import { ConfigVersions } from "./config-versions.js";
import { type OffloadOptions, offloader } from "./offload.js";
import { formatProblemLine } from "./problems.js";
import { guardedSwap } from "./removed-queued.js";
import type { VersionRow } from "./versions-table.js";
import { VersionsTable } from "./versions-table.js";

export interface EngineOptions {
  /** The config dir given to `serve --config`. */
  configDir: string;
  /** The environment `env()` values resolve against. */
  env?: string;
  /** SQLite file (created with its directory when missing). */
  dbPath: string;
  /** Environment variables: MEFOR_STORE_KEY, MEFOR_VALUE_* (default process.env). */
  processEnv?: NodeJS.ProcessEnv;
  /** Development only: run without encrypting bodies when no MEFOR_STORE_KEY is set. */
  insecureNoEncryption?: boolean;
  /** An explicit codec (tests); otherwise from MEFOR_STORE_KEY. */
  codec?: BodyCodec;
  log?: PipelineLog;
  /** Who is recorded for a boot-time config version (default `cli:<os user>`). */
  actor?: string;
  /** Purge finished messages older than this (default: keep forever). */
  retentionMs?: number;
  /** How long a staged, unpromoted config is kept before it and its files are deleted (default 1 h). */
  stageTtlMs?: number;
  runner?: Pick<RunnerOptions, "workers" | "restart" | "healthCheckMs" | "errorGraceMs">;
  /** Run each outbound's delivery in a worker thread (default true; see offload.ts). */
  offloadDelivery?: boolean;
  auth?: AuthServiceOptions;
}

/**
 * Delivery threads rebuild the codec from the same keys, so they are used when the codec came from
 * the environment (or is the insecure pass-through); an explicit codec object keeps delivery here.
 */
function offloadSpec(
  opts: EngineOptions,
  env: NodeJS.ProcessEnv,
  dbPath: string,
  writeLock: WriteLock,
  checkpointed: boolean,
): OffloadSpec | undefined {
  if (opts.offloadDelivery === false) return undefined;
  const common = { dbPath, writeLock, autoCheckpoint: !checkpointed };
  if (opts.codec) return opts.codec.encrypted ? undefined : { ...common, keys: {}, insecure: true };
  const keys: OffloadOptions["keys"] = {};
  if (env.MEFOR_STORE_KEY) keys.MEFOR_STORE_KEY = env.MEFOR_STORE_KEY;
  if (env.MEFOR_STORE_OLD_KEYS) keys.MEFOR_STORE_OLD_KEYS = env.MEFOR_STORE_OLD_KEYS;
  return { ...common, keys, insecure: opts.insecureNoEncryption === true };
}

type OffloadSpec = Pick<OffloadOptions, "dbPath" | "keys" | "insecure" | "writeLock" | "autoCheckpoint">;

export class EngineStartError extends Error {
  override name = "EngineStartError";
}

export class Engine {
  readonly store: SqliteStore;
  readonly auth: AuthService;
  /** The engine's auth tables, TOTP secrets sealed with its store key (for `UserAdmin` over the same file). */
  readonly authRepository: SqliteAuthRepository;
  readonly runner: Runner;
  readonly versions: ConfigVersions;
  readonly log: PipelineLog;
  readonly startedAt = Date.now();
  #retention: RetentionJob | undefined;
  #checkpointer: Checkpointer | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(
    store: SqliteStore,
    opts: EngineOptions,
    log: PipelineLog,
    offload: OffloadSpec | undefined,
    codec: BodyCodec,
  ) {
    this.store = store;
    this.log = log;
    this.authRepository = new SqliteAuthRepository(store.db, { sealer: secretSealer(codec) });
    this.auth = new AuthService(this.authRepository, opts.auth ?? {});
    this.runner = new Runner({
      store,
      log,
      ...(opts.runner ?? {}),
      ...(offload
        ? {
            offload: offloader({
              ...offload,
              store,
              log,
              ...(opts.runner?.workers ? { workers: opts.runner.workers } : {}),
            }),
          }
        : {}),
    });
    this.versions = new ConfigVersions({
      dbPath: store.path,
      versions: new VersionsTable(store.db),
      load: {
        ...(opts.env !== undefined ? { env: opts.env } : {}),
        processEnv: opts.processEnv ?? process.env,
      },
      // A swap that removes connections with queued rows asks what to do with them (removed-queued.ts).
      swap: guardedSwap({
        store,
        swap: (r) => this.runner.swap(r),
        running: () => this.runner.registry,
        log,
      }),
      running: () => this.runner.registry,
      log,
      ...(opts.stageTtlMs !== undefined && { stageTtlMs: opts.stageTtlMs }),
    });
  }

  /**
   * Opens the store (recovering a crashed run's leases), loads the config version to run and starts
   * every connection. Throws EngineStartError with a clear reason (no key, config errors, port in use).
   */
  static async open(opts: EngineOptions): Promise<Engine> {
    const log = opts.log ?? silentLog;
    const env = opts.processEnv ?? process.env;
    let codec: BodyCodec;
    try {
      codec = opts.codec ?? codecFromEnv(env, { insecure: opts.insecureNoEncryption === true });
    } catch (error) {
      throw new EngineStartError(error instanceof Error ? error.message : String(error));
    }
    if (!codec.encrypted)
      log.warn({ event: "insecure" }, "message bodies are NOT encrypted at rest (development mode)");
    const dbPath = resolve(opts.dbPath);
    // One write lock for this file's connections in this process (main + delivery threads).
    const writeLock = new WriteLock();
    const store = openSqliteStore({ path: dbPath, codec, writeLock, autoCheckpoint: false });
    // WAL checkpoints run in a thread of their own; without it, the connection does them itself.
    const checkpointer = await Checkpointer.start({ dbPath, log, writeLock }).catch((error: unknown) => {
      log.warn({ err: String(error) }, "checkpoint thread did not start; checkpointing inline");
      store.db.pragma("wal_autocheckpoint = 1000");
      return undefined;
    });
    let engine: Engine | undefined;
    try {
      // The only engine on this file: every claim left by a previous (crashed) run is ours to redo.
      const recovered = await store.recoverLeases({ all: true });
      engine = new Engine(
        store,
        opts,
        log,
        offloadSpec(opts, env, dbPath, writeLock, checkpointer !== undefined),
        codec,
      );
      // TOTP secrets enrolled without the key (or before sealing existed) are sealed now.
      const mfa = engine.authRepository.resealSecrets();
      if (mfa.sealed > 0)
        log.info({ event: "mfa-sealed", users: mfa.sealed }, "sealed TOTP secrets with the store key");
      if (mfa.unreadable.length > 0) {
        log.warn(
          { event: "mfa-unreadable", users: mfa.unreadable },
          "TOTP secrets sealed with a key this engine does not have; re-enrol them with `messagefoundry user mfa NAME --db FILE`",
        );
      }
      if (recovered > 0)
        log.info({ event: "recover", rows: recovered }, "re-queued rows claimed by a previous run");
      engine.#checkpointer = checkpointer;
      const registry = await engine.#bootRegistry(opts);
      await engine.runner.start(registry);
      if (opts.retentionMs !== undefined) {
        engine.#retention = startRetention(store, { retentionMs: opts.retentionMs, log });
      }
      engine.#sweep = setInterval(() => {
        try {
          engine?.auth.sweep();
        } catch (error) {
          log.warn({ err: String(error) }, "session sweep failed");
        }
        try {
          engine?.versions.sweep(); // expired stages and their files
        } catch (error) {
          log.warn({ err: String(error) }, "stage sweep failed");
        }
      }, 60_000);
      engine.#sweep.unref();
      return engine;
    } catch (error) {
      await engine?.runner.stop().catch(() => undefined);
      await checkpointer?.stop();
      await store.close();
      if (error instanceof EngineStartError) throw error;
      throw new EngineStartError(error instanceof Error ? error.message : String(error));
    }
  }

  async #bootRegistry(opts: EngineOptions): Promise<Registry> {
    const boot = await this.versions.boot(resolve(opts.configDir), opts.actor ?? cliActor());
    const loaded = boot.loaded;
    if (loaded.hasErrors) {
      const lines = loaded.problems.filter((p) => p.severity === "error").map(formatProblemLine);
      throw new EngineStartError(
        `config ${boot.source} has ${lines.length} error(s):\n  ${lines.slice(0, 20).join("\n  ")}`,
      );
    }
    const version = boot.commit();
    this.log.info(
      {
        event: "config-loaded",
        versionId: version.versionId,
        contentHash: version.contentHash,
        inbounds: loaded.registry.inbounds.size,
        outbounds: loaded.registry.outbounds.size,
      },
      "config loaded",
    );
    return loaded.registry;
  }

  activeVersion(): VersionRow | undefined {
    return this.versions.active();
  }

  /** Graceful: intake stops (in-flight messages are ACKed), workers drain, the store closes. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#sweep);
      await this.#retention?.stop();
      await this.runner.stop();
      await this.#checkpointer?.stop();
      await this.store.close();
      this.log.info({ event: "stopped" }, "engine stopped");
    })();
    return this.#stopping;
  }
}
