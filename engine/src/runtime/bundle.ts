/**
 * Config bundles: a config dir's files as `{ "relative/path": "text" }`, the unit that is staged,
 * promoted, kept on disk per version and hashed. Paths are checked before anything is written, so an
 * uploaded bundle can never write outside its directory.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { bundleHash } from "../api/stage-area.js";
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

/** SHA-256 (hex) over the sorted paths and contents — the API's own definition, so hashes agree. */
export const hashBundle: (files: ConfigFiles) => string = bundleHash;

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

export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
