/**
 * Where promoted config bundles are kept, and how each is checked before it is loaded.
 *
 * - SQLite (one node): files beside the database, `<db>.config-versions/<sha256>/`, checked against
 *   the content hash on every load (a file changed on disk is refused).
 * - PostgreSQL (several engines share the database; standbys need the bundles): immutable records in
 *   `runtime_config_bundles`, keyed by content hash and authenticated with HMAC-SHA256 under
 *   MEFOR_CONFIG_KEY — a key every node has and the database never holds. Every load recomputes the
 *   content hash and checks the MAC (constant-time) before the files are written to a private local
 *   folder and loaded; a record altered or inserted by someone who can write the database but does
 *   not hold the key is refused. Config is code: this is what keeps a database writer from running
 *   code in the engine.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson } from "../auth/index.js";
import type { PipelineLog } from "../pipeline/index.js";
import {
  type ConfigFiles,
  checkBundle,
  hashBundle,
  isDir,
  keptMismatch,
  readVerified,
  writeBundle,
} from "./bundle.js";
import type { VersionsRepository } from "./versions-repository.js";

/** Thrown when a kept bundle is not exactly what was promoted (changed files, a bad or missing MAC). */
export class BundleTamperedError extends Error {
  override name = "BundleTamperedError";
}

export interface BundleStore {
  /** Where stages are written and bundles are placed for loading (a private local folder). */
  readonly root: string;
  /** Keeps `files` (whose hash is `hash`) for later loads; idempotent. */
  keep(files: ConfigFiles, hash: string): Promise<void>;
  /**
   * A local folder holding exactly the kept bundle `hash`, checked now; undefined when none is kept.
   * Throws BundleTamperedError saying why when the kept bundle fails its check.
   */
  open(hash: string): Promise<string | undefined>;
  /** The local folder a bundle is loaded from (for operators and tests; may not exist yet). */
  dirFor(hash: string): string;
}

/** SQLite: files beside the database, verified against the content hash on every load. */
export class FileBundles implements BundleStore {
  readonly root: string;
  readonly #log: PipelineLog;

  constructor(root: string, log: PipelineLog) {
    this.root = root;
    this.#log = log;
  }

  dirFor(hash: string): string {
    return join(this.root, hash);
  }

  async open(hash: string): Promise<string | undefined> {
    const dir = this.dirFor(hash);
    if (!isDir(dir)) return undefined;
    try {
      readVerified(dir, hash);
    } catch (error) {
      throw new BundleTamperedError(`was changed on disk at ${dir}: ${(error as Error).message}`);
    }
    return dir;
  }

  /**
   * Ensures the hash's dir holds exactly these files (written once, atomically by rename). A dir
   * whose files changed on disk is moved aside (kept as evidence) and written again from `files`.
   */
  async keep(files: ConfigFiles, hash: string): Promise<void> {
    const dir = this.dirFor(hash);
    if (isDir(dir)) {
      const why = keptMismatch(dir, hash);
      if (why === undefined) return;
      const aside = join(this.root, `.tampered-${hash.slice(0, 12)}-${randomBytes(4).toString("hex")}`);
      renameSync(dir, aside);
      this.#log.error(
        { event: "config-tampered", contentHash: hash, dir, aside, why },
        "kept config files changed on disk; moved aside and written again",
      );
    }
    placeFiles(this.root, dir, files);
  }
}

/** Writes `files` to `dir` atomically (a temp dir renamed into place). */
function placeFiles(root: string, dir: string, files: ConfigFiles): void {
  const tmp = join(root, `.tmp-${randomBytes(6).toString("hex")}`);
  try {
    writeBundle(tmp, files);
    renameSync(tmp, dir);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    if (!isDir(dir)) throw error;
  }
}

/** The config-signing key's environment variable. */
export const CONFIG_KEY_ENV = "MEFOR_CONFIG_KEY";

export class ConfigKeyError extends Error {
  override name = "ConfigKeyError";
}

/** MEFOR_CONFIG_KEY: base64 of 32 bytes, the same on every node. */
export function configKeyFromEnv(env: NodeJS.ProcessEnv): Buffer {
  const how =
    "generate one with `messagefoundry key generate` (or `openssl rand -base64 32`) and give every engine " +
    "sharing this database the same value; it must not be stored in the database";
  const value = env[CONFIG_KEY_ENV]?.trim();
  if (!value) {
    throw new ConfigKeyError(
      `${CONFIG_KEY_ENV} is not set: an engine on PostgreSQL keeps promoted config bundles in the database, authenticated with this key; ${how}`,
    );
  }
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, "base64") : Buffer.alloc(0);
  if (key.length !== 32) throw new ConfigKeyError(`${CONFIG_KEY_ENV} must be base64 of 32 bytes; ${how}`);
  return key;
}

/** The MAC binds the content hash and the exact stored text, under a purpose label. */
function bundleMac(key: Buffer, contentHash: string, files: string): string {
  return createHmac("sha256", key)
    .update("messagefoundry.config-bundle.v1\n")
    .update(contentHash)
    .update("\n")
    .update(files)
    .digest("hex");
}

function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The files of a stored record, after checking its MAC and recomputing its content hash. */
export function verifyBundleRecord(
  key: Buffer,
  record: { contentHash: string; files: string; mac: string },
  hash: string,
): ConfigFiles {
  if (record.contentHash !== hash)
    throw new BundleTamperedError(`the record is keyed ${record.contentHash}, not ${hash}`);
  if (!/^[0-9a-f]{64}$/.test(record.mac) || !sameMac(bundleMac(key, hash, record.files), record.mac)) {
    throw new BundleTamperedError(
      `its MAC does not verify under ${CONFIG_KEY_ENV} (the record was written or changed without the key, or this engine has a different key)`,
    );
  }
  let files: ConfigFiles;
  try {
    files = checkBundle(JSON.parse(record.files));
  } catch (error) {
    throw new BundleTamperedError(`its files cannot be read: ${(error as Error).message}`);
  }
  const actual = hashBundle(files);
  if (actual !== hash) throw new BundleTamperedError(`its files hash to ${actual}, not ${hash}`);
  return files;
}

/** PostgreSQL: signed records in the database; each load verifies, then writes a private local copy. */
export class DbBundles implements BundleStore {
  readonly root: string;
  readonly #versions: VersionsRepository;
  readonly #key: Buffer;
  readonly #log: PipelineLog;
  readonly #now: () => number;

  constructor(
    root: string,
    versions: VersionsRepository,
    key: Buffer,
    log: PipelineLog,
    now: () => number = Date.now,
  ) {
    this.root = root;
    this.#versions = versions;
    this.#key = key;
    this.#log = log;
    this.#now = now;
  }

  dirFor(hash: string): string {
    return join(this.root, hash);
  }

  async keep(files: ConfigFiles, hash: string): Promise<void> {
    const text = canonicalJson(files);
    const record = { contentHash: hash, files: text, mac: bundleMac(this.#key, hash, text) };
    const existing = await this.#versions.bundle(hash);
    let replace = false;
    if (existing) {
      try {
        verifyBundleRecord(this.#key, existing, hash);
        return;
      } catch (error) {
        // The record under this hash is not ours: what the deployer promoted replaces it.
        this.#log.error(
          { event: "config-tampered", contentHash: hash, why: (error as Error).message },
          "stored config bundle failed its check; written again",
        );
        replace = true;
      }
    }
    await this.#versions.putBundle(record, this.#now(), replace);
  }

  async open(hash: string): Promise<string | undefined> {
    const record = await this.#versions.bundle(hash);
    if (!record) return undefined;
    let files: ConfigFiles;
    try {
      files = verifyBundleRecord(this.#key, record, hash);
    } catch (error) {
      throw new BundleTamperedError(`failed its check in the database: ${(error as Error).message}`);
    }
    // A fresh local copy from the verified record every time: nothing on local disk is trusted.
    const dir = this.dirFor(hash);
    rmSync(dir, { recursive: true, force: true });
    placeFiles(this.root, dir, files);
    return dir;
  }
}
