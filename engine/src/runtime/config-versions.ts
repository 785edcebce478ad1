/**
 * Config versions behind Stage → Promote: a staged bundle is written to its own staging dir
 * (`<root>/.staged/<stageId>/`), loaded and validated against this engine's environment in a sandbox
 * (the loader starts no listeners), and diffed with the running graph. A stage expires (default 1 h)
 * and its files are deleted then, after a promote, or at the next start. Promote keeps the files
 * under their content hash (bundle-store.ts: files beside a SQLite database, signed records in a
 * PostgreSQL one) and hot-swaps the runner to them; rollback does the same for an earlier version's
 * files. Every time a version's files are loaded (boot, promote, rollback) they are checked first
 * (content hash; on PostgreSQL also the MAC): a bundle that fails is refused, naming the version. The
 * version rows record who activated which hash and when (VersionsRepository).
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { LoadOptions, LoadResult, Registry } from "../config/index.js";
import { loadConfig, loadConfigIsolated } from "../config/index.js";
import { diffGraphs, type GraphDiff, type Problem, type RegistryGraph } from "../graph/index.js";
import type { PipelineLog } from "../pipeline/index.js";
import {
  asWritten,
  type ConfigFiles,
  checkBundle,
  hashBundle,
  readBundle,
  readVerified,
  writeBundle,
} from "./bundle.js";
import { type BundleStore, BundleTamperedError } from "./bundle-store.js";
import type { VersionRow, VersionsRepository } from "./versions-repository.js";

export class ConfigVersionError extends Error {
  override name = "ConfigVersionError";
  constructor(
    readonly code:
      | "STAGE_NOT_FOUND"
      | "VERSION_NOT_FOUND"
      | "CONFIG_INVALID"
      | "PROMOTE_FAILED"
      | "INVALID_BUNDLE"
      | "CONFIG_TAMPERED",
    message: string,
  ) {
    super(message);
  }
}

export interface StagedConfig {
  stageId: string;
  contentHash: string;
  problems: Problem[];
  hasErrors: boolean;
  changes: GraphDiff;
  expiresAt: number;
}

export interface ConfigVersionsOptions {
  /** Where promoted bundles are kept (and the local folder stages are written to). */
  bundles: BundleStore;
  versions: VersionsRepository;
  /** The environment every load resolves `env()` against (this engine's). */
  load: LoadOptions;
  /** Swaps the running registry (the runner's hot swap). */
  swap: (registry: Registry) => Promise<void>;
  /** The registry running now. */
  running: () => Registry | undefined;
  log: PipelineLog;
  /** How long a stage is kept unpromoted (default {@link DEFAULT_STAGE_TTL_MS}). */
  stageTtlMs?: number;
  now?: () => number;
}

/** Staging keeps data only (the uploaded code ran in a sandbox, never here) and where its files are. */
interface Stage extends StagedConfig {
  dir: string;
}

export const DEFAULT_STAGE_TTL_MS = 3_600_000;
const BOOT_HASH_KEY = "config.bootHash";

export class ConfigVersions {
  readonly root: string;
  readonly #o: ConfigVersionsOptions;
  readonly #stages = new Map<string, Stage>();
  readonly #now: () => number;
  /** One promote/rollback at a time. */
  #busy: Promise<unknown> = Promise.resolve();

  constructor(opts: ConfigVersionsOptions) {
    this.#o = opts;
    this.root = opts.bundles.root;
    this.#now = opts.now ?? Date.now;
  }

  /** Where a stage's files live until it is promoted or expires. */
  stageDir(stageId: string): string {
    return join(this.root, ".staged", stageId);
  }

  /** Forgets expired stages and deletes their files (the engine calls this every minute). */
  sweep(): void {
    const now = this.#now();
    for (const [id, s] of this.#stages) if (s.expiresAt <= now) this.#drop(id);
  }

  #drop(stageId: string): void {
    this.#stages.delete(stageId);
    rmSync(this.stageDir(stageId), { recursive: true, force: true });
  }

  /** The files of `dir`; throws CONFIG_TAMPERED, naming `what`, unless they are exactly the bundle hashed `hash`. */
  #verify(dir: string, hash: string, what: string): ConfigFiles {
    let why: string;
    try {
      return readVerified(dir, hash);
    } catch (error) {
      why = error instanceof Error ? error.message : String(error);
    }
    this.#o.log.error(
      { event: "config-tampered", contentHash: hash, dir, why },
      `${what}: files changed on disk; refused`,
    );
    throw new ConfigVersionError(
      "CONFIG_TAMPERED",
      `${what} (content hash ${hash}) was changed on disk at ${dir}: ${why}; refusing to run it`,
    );
  }

  active(): Promise<VersionRow | undefined> {
    return this.#o.versions.active();
  }

  history(): Promise<VersionRow[]> {
    return this.#o.versions.history();
  }

  /** The local directory a content hash's files are loaded from. */
  dirFor(contentHash: string): string {
    return this.#o.bundles.dirFor(contentHash);
  }

  /** A kept version's files, checked against its hash (review diffs); undefined when unknown or not kept. */
  async files(versionId: string): Promise<ConfigFiles | undefined> {
    const row = (await this.history()).find((h) => h.versionId === versionId);
    if (!row) return undefined;
    const what = `config version ${versionId}`;
    const dir = await this.#open(row.contentHash, what);
    return dir === undefined ? undefined : this.#verify(dir, row.contentHash, what);
  }

  /** The checked local dir of a kept version; throws CONFIG_TAMPERED naming `what`; undefined when not kept. */
  async #open(hash: string, what: string): Promise<string | undefined> {
    try {
      return await this.#o.bundles.open(hash);
    } catch (error) {
      if (!(error instanceof BundleTamperedError)) throw error;
      this.#o.log.error(
        { event: "config-tampered", contentHash: hash, why: error.message },
        `${what}: refused`,
      );
      throw new ConfigVersionError(
        "CONFIG_TAMPERED",
        `${what} (content hash ${hash}) ${error.message}; refusing to run it`,
      );
    }
  }

  /**
   * Picks and loads what to run at start. A --config dir unchanged since the last boot yields to a
   * newer promote (so a restart never silently undoes one); a changed dir is the operator's newest
   * word and becomes a new version. Nothing is recorded until the caller `commit`s a load without
   * errors, so a broken dir never becomes the active version.
   */
  async boot(
    configDir: string,
    actor: string,
  ): Promise<{ loaded: LoadResult; source: string; commit: () => Promise<VersionRow> }> {
    const files = readBundle(configDir);
    const hash = hashBundle(files);
    const versions = this.#o.versions;
    const active = await versions.active();
    const lastBoot = await versions.getValue(BOOT_HASH_KEY);
    // Stages live in memory: whatever a previous run left staged is gone, so are its files.
    rmSync(join(this.root, ".staged"), { recursive: true, force: true });
    // A refusal here stops the start: the message says which version and how to recover.
    const dir =
      active && active.contentHash !== hash && lastBoot === hash ? await this.#openAtBoot(active) : undefined;
    if (active && dir) {
      this.#o.log.info(
        { event: "config-boot", versionId: active.versionId, contentHash: active.contentHash },
        "config dir unchanged since last boot; running the promoted version",
      );
      return {
        loaded: await this.load(dir),
        source: `version ${active.versionId}`,
        commit: async () => active,
      };
    }
    const commit = async (): Promise<VersionRow> => {
      await versions.setValue(BOOT_HASH_KEY, hash);
      await this.#o.bundles.keep(files, hash);
      if (active && active.contentHash === hash) return active;
      const version = await versions.add({
        contentHash: hash,
        source: "boot",
        promotedBy: actor,
        promotedAt: this.#now(),
        rolledBackFrom: null,
      });
      this.#o.log.info(
        { event: "config-boot", versionId: version.versionId, contentHash: hash },
        "config version recorded",
      );
      return version;
    };
    return { loaded: await this.load(configDir), source: configDir, commit };
  }

  async #openAtBoot(active: VersionRow): Promise<string | undefined> {
    try {
      return await this.#open(active.contentHash, `config version ${active.versionId}`);
    } catch (error) {
      if (!(error instanceof ConfigVersionError)) throw error;
      throw new ConfigVersionError(
        "CONFIG_TAMPERED",
        `${error.message}. Restore its files from a backup, or change the --config dir so it becomes the newest version.`,
      );
    }
  }

  /**
   * Loads a kept version's files (checked; on PostgreSQL fetched from the database and their MAC
   * verified) without running them: how a cluster standby keeps the promoted version ready.
   */
  async loadKept(version: VersionRow): Promise<LoadResult> {
    const what = `config version ${version.versionId}`;
    const dir = await this.#open(version.contentHash, what);
    if (dir === undefined)
      throw new ConfigVersionError("VERSION_NOT_FOUND", `${what}: its files are not kept in this store`);
    return this.load(dir);
  }

  /**
   * Loads a dir against this engine's environment. Static facts come from a thread: the TypeScript
   * compiler the extraction needs stays out of the engine's process (docs/PERFORMANCE.md, footprint).
   */
  load(dir: string): Promise<LoadResult> {
    return loadConfig(dir, { ...this.#o.load, staticFacts: "thread" });
  }

  /** Writes, loads and validates a bundle in isolation, and diffs it with the running graph. */
  async stage(files: unknown): Promise<StagedConfig> {
    this.sweep();
    let checked: ConfigFiles;
    try {
      checked = asWritten(checkBundle(files));
    } catch (error) {
      throw new ConfigVersionError("INVALID_BUNDLE", error instanceof Error ? error.message : String(error));
    }
    const hash = hashBundle(checked);
    const stageId = `stg_${randomBytes(9).toString("base64url")}`;
    const dir = this.stageDir(stageId);
    writeBundle(dir, checked);
    // Uploaded code is untrusted until a deployer promotes it: its code runs in a sandboxed child
    // process with no secrets, no store access, time and heap limits (config/isolated-load.ts).
    const { env, processEnv } = this.#o.load;
    let loaded: Awaited<ReturnType<typeof loadConfigIsolated>>;
    try {
      loaded = await loadConfigIsolated(dir, {
        ...(env !== undefined && { env }),
        ...(processEnv !== undefined && { processEnv }),
        log: this.#o.log,
        staticFacts: "thread",
      });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const running = this.#o.running();
    const empty: RegistryGraph = { version: 1, nodes: [], edges: [], envUses: [] };
    const stage: Stage = {
      stageId,
      contentHash: hash,
      problems: loaded.problems,
      hasErrors: loaded.hasErrors,
      changes: diffGraphs(running?.graph ?? empty, loaded.graph),
      expiresAt: this.#now() + (this.#o.stageTtlMs ?? DEFAULT_STAGE_TTL_MS),
      dir,
    };
    this.#stages.set(stage.stageId, stage);
    this.#o.log.info(
      { event: "config-stage", stageId: stage.stageId, contentHash: hash, problems: loaded.problems.length },
      "config staged",
    );
    const { dir: _dir, ...answer } = stage;
    return answer;
  }

  /** Hot-swaps to a staged bundle and records the new version. */
  promote(stageId: string, actor: string): Promise<VersionRow> {
    return this.#serial(async () => {
      this.sweep();
      const stage = this.#stages.get(stageId);
      if (!stage)
        throw new ConfigVersionError("STAGE_NOT_FOUND", `no staged config ${stageId} (expired or promoted)`);
      if (stage.hasErrors) {
        throw new ConfigVersionError(
          "CONFIG_INVALID",
          `staged config ${stageId} has errors; fix them and stage again`,
        );
      }
      // The files promoted are the files staged (and sandbox-checked), or nothing is.
      let files: ConfigFiles;
      try {
        files = this.#verify(stage.dir, stage.contentHash, `staged config ${stageId}`);
      } catch (error) {
        this.#drop(stageId);
        throw error;
      }
      await this.#o.bundles.keep(files, stage.contentHash);
      // Promote is the deployer's decision to run this code: load it for real now, from the kept copy.
      const dir = await this.#open(stage.contentHash, `staged config ${stageId}`);
      if (!dir) throw new ConfigVersionError("PROMOTE_FAILED", `the bundle of ${stageId} was not kept`);
      const loaded = await this.load(dir);
      if (loaded.hasErrors) {
        const first = loaded.problems.find((p) => p.severity === "error");
        throw new ConfigVersionError(
          "CONFIG_INVALID",
          `staged config ${stageId} no longer loads: ${first?.code ?? ""} ${first?.message ?? ""}`,
        );
      }
      await this.#swap(loaded.registry, stage.contentHash);
      this.#drop(stageId);
      return await this.#record(stage.contentHash, "promote", actor, null);
    });
  }

  /** Runs an earlier version's files again, recorded as a new version. */
  rollback(versionId: string, actor: string): Promise<VersionRow> {
    return this.#serial(async () => {
      const target = await this.#o.versions.get(versionId);
      const dir = target ? await this.#open(target.contentHash, `config version ${versionId}`) : undefined;
      if (!target || !dir) {
        throw new ConfigVersionError(
          "VERSION_NOT_FOUND",
          `no config version ${versionId} is kept on this engine`,
        );
      }
      const loaded = await this.load(dir);
      if (loaded.hasErrors) {
        const first = loaded.problems.find((p) => p.severity === "error");
        throw new ConfigVersionError(
          "CONFIG_INVALID",
          `version ${versionId} no longer loads against this environment: ${first?.code ?? ""} ${first?.message ?? ""}`,
        );
      }
      await this.#swap(loaded.registry, target.contentHash);
      return await this.#record(target.contentHash, "rollback", actor, versionId);
    });
  }

  async #swap(registry: Registry, hash: string): Promise<void> {
    try {
      await this.#o.swap(registry);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.#o.log.error(
        { event: "promote-failed", contentHash: hash, err: why },
        "promote failed; previous config restored",
      );
      throw new ConfigVersionError(
        "PROMOTE_FAILED",
        `the swap failed and the previous config was restored: ${why}`,
      );
    }
  }

  async #record(
    hash: string,
    source: "promote" | "rollback",
    actor: string,
    from: string | null,
  ): Promise<VersionRow> {
    const v = await this.#o.versions.add({
      contentHash: hash,
      source,
      promotedBy: actor,
      promotedAt: this.#now(),
      rolledBackFrom: from,
    });
    this.#o.log.info(
      { event: `config-${source}`, versionId: v.versionId, contentHash: hash, actor },
      `config ${source}d`,
    );
    return v;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#busy.then(fn, fn);
    this.#busy = p.catch(() => undefined);
    return p;
  }
}
