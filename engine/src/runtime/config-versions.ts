/**
 * Config versions behind Stage → Promote: a staged bundle is written beside the database under its
 * content hash (`<db>.config-versions/<sha256>/`), loaded and validated against this engine's
 * environment in isolation (the loader starts no listeners), and diffed with the running graph.
 * Promote hot-swaps the runner to it; rollback does the same for an earlier version's files. The
 * database keeps only who activated which hash and when (VersionsTable).
 */
import { randomBytes } from "node:crypto";
import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { LoadOptions, LoadResult, Registry } from "../config/index.js";
import { loadConfig, loadConfigIsolated } from "../config/index.js";
import { diffGraphs, type GraphDiff, type Problem, type RegistryGraph } from "../graph/index.js";
import type { PipelineLog } from "../pipeline/index.js";
import { type ConfigFiles, checkBundle, hashBundle, isDir, readBundle, writeBundle } from "./bundle.js";
import type { VersionRow, VersionsTable } from "./versions-table.js";

export class ConfigVersionError extends Error {
  override name = "ConfigVersionError";
  constructor(
    readonly code:
      | "STAGE_NOT_FOUND"
      | "VERSION_NOT_FOUND"
      | "CONFIG_INVALID"
      | "PROMOTE_FAILED"
      | "INVALID_BUNDLE",
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
  /** Database file; versions live in `<dbPath>.config-versions/`. */
  dbPath: string;
  versions: VersionsTable;
  /** The environment every load resolves `env()` against (this engine's). */
  load: LoadOptions;
  /** Swaps the running registry (the runner's hot swap). */
  swap: (registry: Registry) => Promise<void>;
  /** The registry running now. */
  running: () => Registry | undefined;
  log: PipelineLog;
  /** How long a stage is kept unpromoted (default 1 h). */
  stageTtlMs?: number;
  now?: () => number;
}

/** Staging keeps data only: the uploaded code runs in an isolated worker, never in this thread. */
type Stage = StagedConfig;

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
    this.root = `${opts.dbPath}.config-versions`;
    this.#now = opts.now ?? Date.now;
  }

  active(): VersionRow | undefined {
    return this.#o.versions.active();
  }

  history(): VersionRow[] {
    return this.#o.versions.history();
  }

  /** The directory holding a content hash's files. */
  dirFor(contentHash: string): string {
    return join(this.root, contentHash);
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
  ): Promise<{ loaded: LoadResult; source: string; commit: () => VersionRow }> {
    const files = readBundle(configDir);
    const hash = hashBundle(files);
    const versions = this.#o.versions;
    const active = versions.active();
    const lastBoot = versions.getValue(BOOT_HASH_KEY);
    if (
      active &&
      active.contentHash !== hash &&
      lastBoot === hash &&
      isDir(this.dirFor(active.contentHash))
    ) {
      this.#o.log.info(
        { event: "config-boot", versionId: active.versionId, contentHash: active.contentHash },
        "config dir unchanged since last boot; running the promoted version",
      );
      return {
        loaded: await this.load(this.dirFor(active.contentHash)),
        source: `version ${active.versionId}`,
        commit: () => active,
      };
    }
    const commit = (): VersionRow => {
      versions.setValue(BOOT_HASH_KEY, hash);
      this.#keep(files, hash);
      if (active && active.contentHash === hash) return active;
      const version = versions.add({
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

  /** Loads a dir against this engine's environment. */
  load(dir: string): Promise<LoadResult> {
    return loadConfig(dir, this.#o.load);
  }

  /** Writes, loads and validates a bundle in isolation, and diffs it with the running graph. */
  async stage(files: unknown): Promise<StagedConfig> {
    this.#expire();
    let checked: ConfigFiles;
    try {
      checked = checkBundle(files);
    } catch (error) {
      throw new ConfigVersionError("INVALID_BUNDLE", error instanceof Error ? error.message : String(error));
    }
    const hash = hashBundle(checked);
    const dir = this.#keep(checked, hash);
    // Uploaded code is untrusted until a deployer promotes it: its code runs in a sandboxed child
    // process with no secrets, no store access, time and heap limits (config/isolated-load.ts).
    const { env, processEnv } = this.#o.load;
    const loaded = await loadConfigIsolated(dir, {
      ...(env !== undefined && { env }),
      ...(processEnv !== undefined && { processEnv }),
      log: this.#o.log,
    });
    const running = this.#o.running();
    const empty: RegistryGraph = { version: 1, nodes: [], edges: [], envUses: [] };
    const stage: Stage = {
      stageId: `stg_${randomBytes(9).toString("base64url")}`,
      contentHash: hash,
      problems: loaded.problems,
      hasErrors: loaded.hasErrors,
      changes: diffGraphs(running?.graph ?? empty, loaded.graph),
      expiresAt: this.#now() + (this.#o.stageTtlMs ?? 3_600_000),
    };
    this.#stages.set(stage.stageId, stage);
    this.#o.log.info(
      { event: "config-stage", stageId: stage.stageId, contentHash: hash, problems: loaded.problems.length },
      "config staged",
    );
    return { ...stage };
  }

  /** Hot-swaps to a staged bundle and records the new version. */
  promote(stageId: string, actor: string): Promise<VersionRow> {
    return this.#serial(async () => {
      this.#expire();
      const stage = this.#stages.get(stageId);
      if (!stage)
        throw new ConfigVersionError("STAGE_NOT_FOUND", `no staged config ${stageId} (expired or promoted)`);
      if (stage.hasErrors) {
        throw new ConfigVersionError(
          "CONFIG_INVALID",
          `staged config ${stageId} has errors; fix them and stage again`,
        );
      }
      // Promote is the deployer's decision to run this code: load it for real now, and re-check it.
      const loaded = await this.load(this.dirFor(stage.contentHash));
      if (loaded.hasErrors) {
        const first = loaded.problems.find((p) => p.severity === "error");
        throw new ConfigVersionError(
          "CONFIG_INVALID",
          `staged config ${stageId} no longer loads: ${first?.code ?? ""} ${first?.message ?? ""}`,
        );
      }
      await this.#swap(loaded.registry, stage.contentHash);
      this.#stages.delete(stageId);
      return this.#record(stage.contentHash, "promote", actor, null);
    });
  }

  /** Runs an earlier version's files again, recorded as a new version. */
  rollback(versionId: string, actor: string): Promise<VersionRow> {
    return this.#serial(async () => {
      const target = this.#o.versions.get(versionId);
      const dir = target ? this.dirFor(target.contentHash) : undefined;
      if (!target || !dir || !isDir(dir)) {
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
      return this.#record(target.contentHash, "rollback", actor, versionId);
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

  #record(hash: string, source: "promote" | "rollback", actor: string, from: string | null): VersionRow {
    const v = this.#o.versions.add({
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

  /** Ensures the hash's dir holds the files (written once, atomically by rename). */
  #keep(files: ConfigFiles, hash: string): string {
    const dir = this.dirFor(hash);
    if (isDir(dir)) return dir;
    const tmp = join(this.root, `.tmp-${randomBytes(6).toString("hex")}`);
    try {
      writeBundle(tmp, files);
      renameSync(tmp, dir);
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      if (!isDir(dir)) throw error;
    }
    return dir;
  }

  #expire(): void {
    const now = this.#now();
    for (const [id, s] of this.#stages) if (s.expiresAt <= now) this.#stages.delete(id);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#busy.then(fn, fn);
    this.#busy = p.catch(() => undefined);
    return p;
  }
}
