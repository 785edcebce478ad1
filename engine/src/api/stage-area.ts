/**
 * Staged config bundles: each upload is written to its own temp dir, loaded against this engine's
 * environment in a worker thread (config/isolated-load.ts: no engine secrets in its env, a heap
 * limit, a wall-clock timeout), diffed against the running graph and kept (with its files) until
 * promoted or expired. Only data comes back from the worker — no router/handler functions — so
 * promote loads the kept files (`dir`) for real. Nothing here touches the running registry.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import type { ResourceLimits } from "node:worker_threads";
import { type IsolatedLoadResult, loadConfigIsolated } from "../config/isolated-load.js";
import { diffGraphs, type RegistryGraph } from "../graph/index.js";
import { ApiError } from "./errors.js";
import type { ConfigFiles, StageResult } from "./services.js";

export interface StagedBundle {
  result: StageResult;
  files: ConfigFiles;
  /** What the isolated load found (graph, problems, hasErrors) — data only, nothing runnable. */
  load: IsolatedLoadResult;
  /** Directory the bundle was written to; promote loads it from here. Removed when the stage is dropped. */
  dir: string;
  stagedBy: string;
}

export interface StageAreaOptions {
  /** Environment name whose values resolve env() (the engine's own). */
  env?: string;
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** How long an unpromoted stage is kept (default 1 hour). */
  ttlMs?: number;
  now?: () => number;
  /** Parent of the per-stage dirs (default the OS temp dir). */
  root?: string;
  /** Wall-clock limit for loading a staged bundle (default 30 s). */
  loadTimeoutMs?: number;
  /** Heap/stack limits of the loading worker (default config/isolated-load's). */
  resourceLimits?: ResourceLimits;
  /** Node options of the loading worker (default inherited). */
  execArgv?: string[];
}

/** SHA-256 over sorted `path\0content\0` pairs: the same bundle always hashes the same. */
export function bundleHash(files: ConfigFiles): string {
  const h = createHash("sha256");
  for (const path of Object.keys(files).sort()) {
    h.update(path)
      .update("\u0000")
      .update(files[path] ?? "")
      .update("\u0000");
  }
  return h.digest("hex");
}

export class StageArea {
  readonly #stages = new Map<string, StagedBundle>();
  readonly #opts: StageAreaOptions;
  readonly #now: () => number;

  constructor(opts: StageAreaOptions = {}) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  async stage(files: ConfigFiles, actor: string, running: RegistryGraph | undefined): Promise<StagedBundle> {
    this.sweep();
    const dir = mkdtempSync(join(this.#opts.root ?? tmpdir(), "mf-stage-"));
    try {
      for (const [rel, content] of Object.entries(files)) {
        const target = resolve(dir, rel);
        // Defence in depth: the route already refuses such paths.
        if (!target.startsWith(dir + sep))
          throw new ApiError("INVALID_BUNDLE", `bundle path ${rel} leaves the config dir`);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
      }
      const o = this.#opts;
      const load = await loadConfigIsolated(dir, {
        ...(o.env !== undefined && { env: o.env }),
        ...(o.processEnv !== undefined && { processEnv: o.processEnv }),
        ...(o.loadTimeoutMs !== undefined && { timeoutMs: o.loadTimeoutMs }),
        ...(o.resourceLimits !== undefined && { resourceLimits: o.resourceLimits }),
        ...(o.execArgv !== undefined && { execArgv: o.execArgv }),
      });
      const empty: RegistryGraph = { version: 1, nodes: [], edges: [], envUses: [] };
      const result: StageResult = {
        stageId: randomUUID(),
        contentHash: bundleHash(files),
        problems: load.problems,
        hasErrors: load.hasErrors,
        changes: diffGraphs(running ?? empty, load.graph),
        expiresAt: this.#now() + (this.#opts.ttlMs ?? 60 * 60_000),
      };
      const staged: StagedBundle = { result, files, load, dir, stagedBy: actor };
      this.#stages.set(result.stageId, staged);
      return staged;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The staged bundle, or STAGE_NOT_FOUND (unknown or expired). */
  get(stageId: string): StagedBundle {
    this.sweep();
    const s = this.#stages.get(stageId);
    if (!s)
      throw new ApiError(
        "STAGE_NOT_FOUND",
        `no staged config ${stageId} (unknown or expired); stage it again`,
      );
    return s;
  }

  /** Forgets a stage (after promote) and removes its files. */
  drop(stageId: string): void {
    const s = this.#stages.get(stageId);
    if (!s) return;
    this.#stages.delete(stageId);
    rmSync(s.dir, { recursive: true, force: true });
  }

  sweep(): void {
    const now = this.#now();
    for (const [id, s] of this.#stages) if (s.result.expiresAt <= now) this.drop(id);
  }

  dispose(): void {
    for (const id of [...this.#stages.keys()]) this.drop(id);
  }
}
