/**
 * The running engine: one database (SQLite file or PostgreSQL) holding the store, the auth tables and
 * the config versions, the registry runner serving the active config version, the retention job, and
 * the services the API calls. `serve` and the tests build it the same way; `open` refuses to start
 * without a store key unless the caller explicitly chose insecure development mode, and on PostgreSQL
 * without a config-signing key (MEFOR_CONFIG_KEY).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AlertMonitor, Notifier } from "../alerts/index.js";
import { type AuthRepository, AuthService, type AuthServiceOptions, cliActor } from "../auth/index.js";
import type { Registry } from "../config/index.js";
import { type PipelineLog, type RetentionJob, silentLog, startRetention } from "../pipeline/index.js";
import { Latencies } from "../pipeline/latency.js";
import { Runner, type RunnerOptions } from "../pipeline/runner.js";
import {
  type BlindIndex,
  type BodyCodec,
  blindIndexFromEnv,
  Checkpointer,
  codecFromEnv,
  LeaderFence,
  nodeApplicationName,
  PgLease,
  type PgStore,
  pgSchema,
  type Store,
  WriteLock,
} from "../store/index.js";
import { alertSnapshots } from "./alert-snapshot.js";
import { hashBundle, readBundle } from "./bundle.js";
import { type BundleStore, configKeyFromEnv, DbBundles, FileBundles } from "./bundle-store.js";
import { ClusterNode, type ClusterReadiness, type ClusterRole } from "./cluster.js";
import { ConfigVersions } from "./config-versions.js";
import { type OffloadDatabase, type OffloadOptions, offloader } from "./offload.js";
import { formatProblemLine } from "./problems.js";
import { guardedSwap } from "./removed-queued.js";
import { openRuntimeStore, type RuntimeStore } from "./runtime-store.js";
import type { ClusterSettings, StoreSettings } from "./settings.js";
import type { VersionRow } from "./versions-repository.js";

export interface EngineOptions {
  /** The config dir given to `serve --config`. */
  configDir: string;
  /** The environment `env()` values resolve against. */
  env?: string;
  /** Where runtime state lives: a SQLite file or PostgreSQL (engine.toml's [store]). */
  store?: StoreSettings;
  /** Shorthand for `store: { backend: "sqlite", path }` (created with its directory when missing). */
  dbPath?: string;
  /** Environment variables: MEFOR_STORE_KEY, MEFOR_CONFIG_KEY, MEFOR_VALUE_* (default process.env). */
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
  runner?: Pick<RunnerOptions, "workers" | "restart" | "healthCheckMs" | "errorGraceMs" | "storeWaitMs">;
  /** Run outbounds' delivery in worker threads (default true; see offload.ts). */
  offloadDelivery?: boolean;
  /** At most this many delivery threads, shared by the outbounds (default: one per core, 2–8). */
  deliveryThreads?: number;
  auth?: AuthServiceOptions;
  /** How often alert rules are evaluated (default 15 s). */
  alerts?: { intervalMs?: number };
  /** The blind index for inbounds' `identifiers` (default: from MEFOR_INDEX_KEY, none when unset). */
  blindIndex?: BlindIndex;
  /** [cluster] (PostgreSQL only): run as one node of an active-passive cluster (cluster.ts). */
  cluster?: ClusterSettings;
}

/**
 * Delivery threads rebuild the codec from the same keys, so they are used when the codec came from
 * the environment (or is the insecure pass-through); an explicit codec object keeps delivery here.
 */
function offloadSpec(
  opts: EngineOptions,
  env: NodeJS.ProcessEnv,
  database: OffloadDatabase,
): OffloadSpec | undefined {
  if (opts.offloadDelivery === false) return undefined;
  const common = {
    database,
    ...(opts.deliveryThreads !== undefined ? { threads: opts.deliveryThreads } : {}),
  };
  if (opts.codec) return opts.codec.encrypted ? undefined : { ...common, keys: {}, insecure: true };
  const keys: OffloadOptions["keys"] = {};
  if (env.MEFOR_STORE_KEY) keys.MEFOR_STORE_KEY = env.MEFOR_STORE_KEY;
  if (env.MEFOR_STORE_OLD_KEYS) keys.MEFOR_STORE_OLD_KEYS = env.MEFOR_STORE_OLD_KEYS;
  return { ...common, keys, insecure: opts.insecureNoEncryption === true };
}

type OffloadSpec = Pick<OffloadOptions, "database" | "keys" | "insecure" | "threads">;

/** What a clustered node's database connections are named after (store/pg-lease.ts). */
const APP_NAME = "messagefoundry";

export class EngineStartError extends Error {
  override name = "EngineStartError";
}

/** The store settings of `opts` (`store`, or the `dbPath` shorthand). */
function storeSettings(opts: EngineOptions): StoreSettings {
  if (opts.cluster) {
    if (opts.store?.backend !== "postgres")
      throw new EngineStartError(
        '[cluster] enabled = true needs a shared PostgreSQL store ([store] backend = "postgres"); SQLite cannot cluster',
      );
    // Every connection of this node carries its name, so a successor can end a paused one's (pg-lease.ts).
    const pg = opts.store.pg;
    const app = nodeApplicationName(APP_NAME, pgSchema(pg), opts.cluster.nodeId);
    return { backend: "postgres", pg: { ...pg, applicationName: app } };
  }
  if (opts.store) return opts.store;
  if (opts.dbPath !== undefined) return { backend: "sqlite", path: resolve(opts.dbPath) };
  throw new EngineStartError(
    "no store: give a SQLite file (--db) or a settings file with [store] (--settings)",
  );
}

/**
 * Where promoted bundles are kept: beside a SQLite file, or signed in a PostgreSQL database (with a
 * private local folder to load them from). Throws EngineStartError on PostgreSQL without MEFOR_CONFIG_KEY.
 */
function bundleStore(runtime: RuntimeStore, env: NodeJS.ProcessEnv, log: PipelineLog): BundleStore {
  if (runtime.kind === "sqlite") return new FileBundles(`${runtime.path}.config-versions`, log);
  let key: Buffer;
  try {
    key = configKeyFromEnv(env);
  } catch (error) {
    throw new EngineStartError((error as Error).message);
  }
  return new DbBundles(mkdtempSync(join(tmpdir(), "messagefoundry-config-")), runtime.versions, key, log);
}

export class Engine {
  readonly store: Store;
  /** The store database with the auth and config-version repositories on it. */
  readonly runtime: RuntimeStore;
  readonly auth: AuthService;
  /** The engine's auth tables, TOTP secrets sealed with its store key (for `UserAdmin` over the same database). */
  readonly authRepository: AuthRepository;
  readonly runner: Runner;
  readonly versions: ConfigVersions;
  /** The config's alert rules, evaluated on an interval (alerts/monitor.ts). */
  readonly alerts: AlertMonitor;
  readonly log: PipelineLog;
  /** Tokens for identifier search (MEFOR_INDEX_KEY); undefined when no key is set. */
  readonly blindIndex: BlindIndex | undefined;
  readonly startedAt = Date.now();
  /** ACK and delivery latencies per connection (GET /metrics). */
  readonly latencies = new Latencies();
  #retention: RetentionJob | undefined;
  #checkpointer: Checkpointer | undefined;
  readonly #bundles: BundleStore;
  #sweep: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;
  /** Clustered: this node's lease life (undefined on a single node). */
  cluster: ClusterNode | undefined;
  #lease: PgLease | undefined;
  /** Clustered, no version promoted yet: the --config dir, loaded, recorded when this node first leads. */
  #plan: { hash: string; registry: Registry; commit: () => Promise<VersionRow> } | undefined;
  /** Clustered: the promoted version, loaded and ready to run (a standby keeps it current). */
  #ready: { hash: string; registry: Registry } | undefined;
  /** Clustered: a version this node could not load (not retried until another is promoted). */
  #unloadable: { hash: string; note: string } | undefined;
  #retentionMs: number | undefined;

  private constructor(
    runtime: RuntimeStore,
    bundles: BundleStore,
    opts: EngineOptions,
    log: PipelineLog,
    offload: OffloadSpec | undefined,
  ) {
    const store = runtime.store;
    this.runtime = runtime;
    this.store = store;
    this.log = log;
    this.blindIndex = opts.blindIndex;
    this.#bundles = bundles;
    this.authRepository = runtime.auth;
    this.auth = new AuthService(this.authRepository, opts.auth ?? {});
    this.runner = new Runner({
      store,
      log,
      latencies: this.latencies,
      ...(opts.blindIndex ? { blindIndex: opts.blindIndex } : {}),
      ...(opts.runner ?? {}),
      ...(offload
        ? {
            offload: offloader({
              ...offload,
              latencies: this.latencies,
              store,
              log,
              ...(opts.runner?.workers ? { workers: opts.runner.workers } : {}),
            }),
          }
        : {}),
    });
    this.versions = new ConfigVersions({
      bundles,
      versions: runtime.versions,
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
    this.alerts = new AlertMonitor({
      log,
      notifier: new Notifier(log),
      registry: () => this.runner.registry,
      snapshot: alertSnapshots(this),
      ...(opts.alerts?.intervalMs !== undefined && { intervalMs: opts.alerts.intervalMs }),
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
    let blindIndex: BlindIndex | undefined;
    try {
      blindIndex = opts.blindIndex ?? blindIndexFromEnv(env);
    } catch (error) {
      throw new EngineStartError(error instanceof Error ? error.message : String(error));
    }
    if (blindIndex) opts = { ...opts, blindIndex };
    if (!codec.encrypted)
      log.warn({ event: "insecure" }, "message bodies are NOT encrypted at rest (development mode)");
    const settings = (() => {
      try {
        return storeSettings(opts);
      } catch (error) {
        throw error instanceof EngineStartError ? error : new EngineStartError(String(error));
      }
    })();
    const fence = opts.cluster ? new LeaderFence(opts.cluster.nodeId) : undefined;
    // SQLite: one write lock for this file's connections in this process (main + delivery threads).
    const writeLock = new WriteLock();
    let runtime: RuntimeStore;
    try {
      runtime = await openRuntimeStore(settings, {
        codec,
        sqlite: { writeLock, autoCheckpoint: false },
        ...(fence ? { fence } : {}),
      });
    } catch (error) {
      throw new EngineStartError(
        `cannot open the store: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const store = runtime.store;
    let checkpointer: Checkpointer | undefined;
    let offload: OffloadSpec | undefined;
    if (runtime.kind === "sqlite") {
      const sqlite = runtime.store;
      // WAL checkpoints run in a thread of their own; without it, the connection does them itself.
      checkpointer = await Checkpointer.start({ dbPath: runtime.path, log, writeLock }).catch(
        (error: unknown) => {
          log.warn({ err: String(error) }, "checkpoint thread did not start; checkpointing inline");
          sqlite.db.pragma("wal_autocheckpoint = 1000");
          return undefined;
        },
      );
      const database = {
        backend: "sqlite",
        path: runtime.path,
        writeLock,
        autoCheckpoint: checkpointer === undefined,
      } as const;
      offload = offloadSpec(opts, env, database);
    } else {
      // PostgreSQL: each delivery thread has a small pool of its own on the same schema (offload.ts);
      // measured against delivery on this thread in docs/PERFORMANCE.md (2-5x the delivered rate).
      offload = offloadSpec(opts, env, {
        backend: "postgres",
        pg: { ...runtime.pg, applicationName: `${runtime.pg.applicationName ?? "messagefoundry"}-delivery` },
        ...(fence ? { fence: { owner: fence.owner, buffer: fence.buffer } } : {}),
      });
    }
    let engine: Engine | undefined;
    let bundles: BundleStore | undefined;
    try {
      bundles = bundleStore(runtime, env, log);
      // The only engine on this database: every claim left by a previous (crashed) run is ours to redo.
      // (Clustered: the node that wins the lease does this, when it does.)
      const recovered = opts.cluster ? 0 : await store.recoverLeases({ all: true });
      engine = new Engine(runtime, bundles, opts, log, offload);
      // TOTP secrets enrolled without the key (or before sealing existed) are sealed now.
      const mfa = await runtime.auth.transaction((tx) => tx.resealSecrets());
      if (mfa.sealed > 0)
        log.info({ event: "mfa-sealed", users: mfa.sealed }, "sealed TOTP secrets with the store key");
      if (mfa.unreadable.length > 0) {
        log.warn(
          { event: "mfa-unreadable", users: mfa.unreadable },
          "TOTP secrets sealed with a key this engine does not have; re-enrol them with `messagefoundry user mfa NAME --db FILE` (or `--settings FILE`)",
        );
      }
      if (recovered > 0)
        log.info({ event: "recover", rows: recovered }, "re-queued rows claimed by a previous run");
      engine.#checkpointer = checkpointer;
      engine.#retentionMs = opts.retentionMs;
      if (opts.cluster && runtime.kind === "postgres" && fence) {
        await engine.#prepareCluster(opts, opts.cluster, runtime, fence);
      } else {
        const registry = await engine.#bootRegistry(opts);
        await engine.runner.start(registry);
        engine.#startLeaderJobs();
      }
      engine.#sweep = setInterval(() => {
        engine?.auth.sweep().catch((error: unknown) => {
          log.warn({ err: String(error) }, "session sweep failed");
        });
        try {
          engine?.versions.sweep(); // expired stages and their files
        } catch (error) {
          log.warn({ err: String(error) }, "stage sweep failed");
        }
      }, 60_000);
      engine.#sweep.unref();
      return engine;
    } catch (error) {
      await engine?.cluster?.stop().catch(() => undefined);
      if (engine) await engine.#lease?.close().catch(() => undefined);
      await engine?.runner.stop().catch(() => undefined);
      await checkpointer?.stop();
      await runtime.close();
      if (bundles instanceof DbBundles) rmSync(bundles.root, { recursive: true, force: true });
      if (error instanceof EngineStartError) throw error;
      throw new EngineStartError(error instanceof Error ? error.message : String(error));
    }
  }

  /** Timers that run on the leader only (a single node is always its own leader). */
  #startLeaderJobs(): void {
    this.alerts.start();
    if (this.#retentionMs !== undefined && !this.#retention)
      this.#retention = startRetention(this.store, { retentionMs: this.#retentionMs, log: this.log });
  }

  async #stopLeaderJobs(): Promise<void> {
    await this.alerts.pause();
    await this.#retention?.stop();
    this.#retention = undefined;
  }

  /**
   * Clustered start: nothing runs until this node wins the lease. The promoted version (or, before the
   * first promote, the --config dir) is loaded now so a win brings the graph up at once.
   */
  async #prepareCluster(
    opts: EngineOptions,
    settings: ClusterSettings,
    runtime: Extract<RuntimeStore, { kind: "postgres" }>,
    fence: LeaderFence,
  ): Promise<void> {
    const dir = resolve(opts.configDir);
    const active = await this.versions.active();
    if (!active) {
      const boot = await this.versions.boot(dir, opts.actor ?? cliActor());
      if (boot.loaded.hasErrors) {
        const lines = boot.loaded.problems.filter((p) => p.severity === "error").map(formatProblemLine);
        throw new EngineStartError(
          `config ${boot.source} has ${lines.length} error(s):\n  ${lines.slice(0, 20).join("\n  ")}`,
        );
      }
      this.#plan = { hash: hashBundle(readBundle(dir)), registry: boot.loaded.registry, commit: boot.commit };
    } else if (hashBundle(readBundle(dir)) !== active.contentHash) {
      this.log.warn(
        { event: "config-dir-ignored", versionId: active.versionId, contentHash: active.contentHash },
        "clustered: this node runs the promoted config version, not the --config dir (change a cluster's config with Stage → Promote)",
      );
    }
    const heartbeatTimeout = Math.max(1000, settings.heartbeatMs);
    this.#lease = new PgLease(
      { ...runtime.pg, applicationName: `${runtime.pg.applicationName}-lease` },
      heartbeatTimeout,
      APP_NAME,
    );
    this.cluster = new ClusterNode(
      settings,
      this.#lease,
      fence,
      {
        lead: (epoch, previous) => this.#lead(epoch, previous),
        standDown: (reason) => this.#standDown(reason),
        readiness: (role) => this.#readiness(role),
      },
      this.log,
    );
    await this.cluster.start();
  }

  async #lead(epoch: number, previous: string | null): Promise<void> {
    const started = Date.now();
    if (previous && this.#lease) {
      const ended = await this.#lease.terminateNode(previous);
      if (ended > 0)
        this.log.info(
          { event: "cluster-fenced-connections", node: previous, connections: ended },
          "ended the previous leader's database connections",
        );
    }
    // New rows must sort after everything the previous leader wrote (ids come in reserved blocks).
    if (this.runtime.kind === "postgres" && "forgetReservedIds" in this.runtime.store)
      (this.runtime.store as PgStore).forgetReservedIds();
    // The previous leader's claims are stranded: re-queue them now, not when their row leases end.
    const recovered = await this.store.recoverLeases({ all: true });
    const registry = await this.#registryToLead();
    await this.runner.start(registry);
    this.#startLeaderJobs();
    this.log.info(
      { event: "cluster-leading", epoch, recovered, previous, ms: Date.now() - started },
      "leading: graph up",
    );
  }

  async #standDown(reason: string): Promise<void> {
    const started = Date.now();
    await this.#stopLeaderJobs();
    await this.runner.stop();
    this.log.info({ event: "cluster-stood-down", reason, ms: Date.now() - started }, "graph down (standby)");
  }

  /** What the leader runs: the promoted version, or (first leader of a new cluster) the --config dir. */
  async #registryToLead(): Promise<Registry> {
    const active = await this.versions.active();
    if (!active && this.#plan) {
      const version = await this.#plan.commit();
      this.#ready = { hash: version.contentHash, registry: this.#plan.registry };
      this.#plan = undefined;
      this.log.info(
        { event: "config-loaded", versionId: version.versionId, contentHash: version.contentHash },
        "config loaded",
      );
      return this.#ready.registry;
    }
    if (!active) throw new Error("no config version to run");
    const ready = await this.#readyFor(active);
    if (!ready) throw new Error(this.#unloadable?.note ?? `cannot load config version ${active.versionId}`);
    return ready;
  }

  /** The registry of `version`, loading it when it is not the one ready; undefined when it cannot load. */
  async #readyFor(version: VersionRow): Promise<Registry | undefined> {
    if (this.#ready?.hash === version.contentHash) return this.#ready.registry;
    if (this.#unloadable?.hash === version.contentHash) return undefined;
    let note: string;
    try {
      const loaded = await this.versions.loadKept(version);
      if (!loaded.hasErrors) {
        this.#ready = { hash: version.contentHash, registry: loaded.registry };
        this.log.info(
          { event: "config-ready", versionId: version.versionId, contentHash: version.contentHash },
          "promoted config version loaded and ready",
        );
        return loaded.registry;
      }
      const first = loaded.problems.find((p) => p.severity === "error");
      note = `cannot load config version ${version.versionId}: ${first ? formatProblemLine(first) : "errors"}`;
    } catch (error) {
      note = `cannot load config version ${version.versionId}: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.#unloadable = { hash: version.contentHash, note };
    this.log.error(
      { event: "config-unloadable", versionId: version.versionId, contentHash: version.contentHash },
      `${note}; this node is not promotable`,
    );
    return undefined;
  }

  async #readiness(role: ClusterRole): Promise<ClusterReadiness> {
    const active = await this.versions.active();
    if (role === "primary") return { configVersion: active?.contentHash ?? null, ready: true, note: null };
    if (!active) {
      return this.#plan
        ? { configVersion: this.#plan.hash, ready: true, note: null }
        : { configVersion: null, ready: false, note: "no config version to run" };
    }
    const ready = await this.#readyFor(active);
    return ready
      ? { configVersion: active.contentHash, ready: true, note: null }
      : {
          configVersion: this.#ready?.hash ?? null,
          ready: false,
          note: this.#unloadable?.note ?? "not loaded",
        };
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
    const version = await boot.commit();
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

  activeVersion(): Promise<VersionRow | undefined> {
    return this.versions.active();
  }

  /** Graceful: intake stops (in-flight messages are ACKed), workers drain, the store closes. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#sweep);
      // Clustered: a leader drains and hands the lease over first (a standby takes it within a heartbeat).
      await this.cluster?.stop().catch((error: unknown) => {
        this.log.warn({ event: "cluster-stop-failed", err: String(error) }, "cluster stop failed");
      });
      await this.#lease?.close().catch(() => undefined);
      await this.alerts.stop();
      await this.#retention?.stop();
      await this.runner.stop();
      await this.#checkpointer?.stop();
      await this.runtime.close();
      // PostgreSQL: the local copies of verified bundles go; the database keeps the records.
      if (this.#bundles instanceof DbBundles) rmSync(this.#bundles.root, { recursive: true, force: true });
      this.log.info({ event: "stopped" }, "engine stopped");
    })();
    return this.#stopping;
  }
}
