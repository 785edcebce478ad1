/**
 * Config bundles: a config dir's files as `{ "relative/path": "text" }`, the unit that is staged,
 * promoted, kept on disk per version and hashed. Paths are checked before anything is written, so an
 * uploaded bundle can never write outside its directory.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { mkdirPrivate, PRIVATE_FILE_MODE } from "../store/index.js";

/** Forward-slash relative path → UTF-8 text. */
export type ConfigFiles = Record<string, string>;

export class BundleError extends Error {
  override name = "BundleError";
}

/** Limits for an uploaded bundle (a config repo is small; anything bigger is a mistake). */
export const BUNDLE_LIMITS = { maxFiles: 2000, maxBytes: 32 * 1024 * 1024 } as const;

/** Folders never part of a bundle (dependencies, VCS, build output, the engine's own state). */
const SKIP = new Set(["node_modules", ".git", "dist", ".messagefoundry"]);
const TEXT_FILE = /\.(ts|mts|cts|js|mjs|cjs|json|toml|csv|hl7|txt|md|xml|x12|edi)$/i;

/** Reads a config dir's text files (what `messagefoundry` would ship for a promote). */
export function readBundle(dir: string): ConfigFiles {
  const files: ConfigFiles = {};
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(d, ent.name);
      if (ent.isDirectory()) {
        if (!SKIP.has(ent.name)) walk(full);
      } else if (ent.isFile() && TEXT_FILE.test(ent.name)) {
        files[relative(dir, full).split(sep).join("/")] = readFileSync(full, "utf8");
      }
    }
  };
  walk(dir);
  return files;
}

/** Throws a BundleError naming the first bad path, or when the bundle is empty or too big. */
export function checkBundle(files: unknown): ConfigFiles {
  if (typeof files !== "object" || files === null || Array.isArray(files)) {
    throw new BundleError("a config bundle is an object of relative path → file text");
  }
  const entries = Object.entries(files as Record<string, unknown>);
  if (entries.length === 0) throw new BundleError("the config bundle has no files");
  if (entries.length > BUNDLE_LIMITS.maxFiles) {
    throw new BundleError(`the config bundle has ${entries.length} files (limit ${BUNDLE_LIMITS.maxFiles})`);
  }
  let bytes = 0;
  for (const [path, text] of entries) {
    if (typeof text !== "string") throw new BundleError(`${JSON.stringify(path)}: file content must be text`);
    const why = badPath(path);
    if (why) throw new BundleError(`${JSON.stringify(path)}: ${why}`);
    bytes += Buffer.byteLength(text);
  }
  if (bytes > BUNDLE_LIMITS.maxBytes) {
    throw new BundleError(`the config bundle is ${bytes} bytes (limit ${BUNDLE_LIMITS.maxBytes})`);
  }
  if (!entries.some(([p]) => p.endsWith(".ts") || p.endsWith("connections.toml"))) {
    throw new BundleError("the config bundle has no .ts module and no connections.toml");
  }
  return files as ConfigFiles;
}

function badPath(path: string): string | undefined {
  if (path === "" || path.length > 512) return "path must be 1..512 characters";
  if (path.includes("\\") || path.includes("\0")) return "use forward slashes; no NUL characters";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "path must be relative";
  const parts = path.split("/");
  if (parts.some((p) => p === "" || p === "." || p === ".."))
    return "path must not contain empty, . or .. parts";
  if (parts.some((p) => SKIP.has(p))) return `path must not be under ${[...SKIP].join(", ")}`;
  return undefined;
}

/** SHA-256 (hex) over sorted `path\0content\0` pairs: the same bundle always hashes the same. */
export function hashBundle(files: ConfigFiles): string {
  const h = createHash("sha256");
  for (const path of Object.keys(files).sort()) {
    h.update(path)
      .update("\u0000")
      .update(files[path] ?? "")
      .update("\u0000");
  }
  return h.digest("hex");
}

/** Writes a checked bundle under `dir` (created; expected to be new and empty). */
export function writeBundle(dir: string, files: ConfigFiles): void {
  checkBundle(files);
  // Owner-only (config can carry fixtures and partner details): 0700 folders, 0600 files.
  mkdirPrivate(dir);
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, ...path.split("/"));
    mkdirPrivate(dirname(full));
    writeFileSync(full, text, { flag: "wx", mode: PRIVATE_FILE_MODE });
  }
}

/**
 * Every file under a kept version's dir, refusing anything a bundle cannot contain (links, devices).
 * Unlike readBundle nothing is skipped: a file added beside the bundle counts as a change.
 */
function readKept(dir: string): ConfigFiles {
  const files: ConfigFiles = {};
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, ent.name);
      const rel = relative(dir, full).split(sep).join("/");
      if (ent.isDirectory()) walk(full);
      else if (ent.isFile()) files[rel] = readFileSync(full, "utf8");
      else throw new BundleError(`${rel} is not a regular file`);
    }
  };
  walk(dir);
  return files;
}

/**
 * The files under a kept dir, when they are exactly the bundle whose hash is `hash`. Throws a
 * BundleError saying why not (a file changed, added, removed or replaced by a link).
 */
export function readVerified(dir: string, hash: string): ConfigFiles {
  const files = readKept(dir);
  const actual = hashBundle(files);
  if (actual !== hash) throw new BundleError(`its files hash to ${actual}, not ${hash}`);
  return files;
}

/** Why the files under `dir` are not exactly the bundle hashed `hash`, or undefined when they are. */
export function keptMismatch(dir: string, hash: string): string | undefined {
  try {
    readVerified(dir, hash);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The text a bundle file reads back as once written (UTF-8 cannot keep lone surrogates). */
export function asWritten(files: ConfigFiles): ConfigFiles {
  return Object.fromEntries(
    Object.entries(files).map(([path, text]) => [path, Buffer.from(text, "utf8").toString("utf8")]),
  );
}

export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
