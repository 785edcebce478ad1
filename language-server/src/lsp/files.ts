/** Disk access for the adapter: config-dir discovery and reading a config's files. The core never does I/O. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import type { FsHost } from "../core/index.js";

export function uriToPath(uri: string): string {
  return fileURLToPath(uri).split(sep).join("/");
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

const SKIP = new Set(["node_modules", ".git", "dist", "out", ".messagefoundry"]);

/** A config dir holds a connections.toml or an environments/ folder. */
export function isConfigDir(dir: string): boolean {
  return existsSync(join(dir, "connections.toml")) || isDir(join(dir, "environments"));
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Config dirs at or below `root` (not descending into a found config dir). */
export function findConfigDirs(root: string, depth = 4): string[] {
  if (isConfigDir(root)) return [root];
  if (depth === 0) return [];
  let entries: string[] = [];
  try {
    entries = readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
  return entries.flatMap((e) => findConfigDirs(`${root}/${e}`, depth - 1));
}

/**
 * The dir a `messagefoundry.config` setting names: absolute, or relative to the workspace folder
 * (`..` and `.` resolved, no trailing slash), with forward slashes like every path here.
 */
export function configuredDir(folder: string, setting: string): string {
  return resolve(folder, setting).split(sep).join("/");
}

/**
 * The nearest config dir containing `file`, walking up (stopping at `stop`). None for a file inside a
 * folder the search skips: the engine keeps copies of promoted versions under `.messagefoundry/`, and
 * opening one must not make that copy a config dir of the workspace (Start Local Engine would run it).
 */
export function configDirAbove(file: string, stop: string | undefined): string | undefined {
  if (file.split(/[\\/]/).some((segment) => SKIP.has(segment))) return undefined;
  let dir = dirname(file);
  for (;;) {
    if (isConfigDir(dir)) return dir;
    const up = dirname(dir);
    if (up === dir || (stop && !up.startsWith(stop))) return undefined;
    dir = up;
  }
}

const CONFIG_FILE = /\.(ts|toml)$/;
/** Code sets in CSV or JSON are config too (TOML ones match CONFIG_FILE). */
const CODESET_FILE = /^codesets\/[^/]+\.(csv|json)$/;

/** Config-relative paths and texts of the files the model reads (modules, TOML, environments, code sets). */
export function readConfigFiles(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, depth: number) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name) && !e.name.startsWith(".") && depth < 8) walk(full, depth + 1);
      } else {
        const rel = relative(root, full).split(sep).join("/");
        if (!(CONFIG_FILE.test(e.name) && !e.name.endsWith(".d.ts")) && !CODESET_FILE.test(rel)) continue;
        const text = readText(full);
        if (text !== undefined) out.set(rel, text);
      }
    }
  };
  walk(root, 0);
  return out;
}

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The real file system, for TypeScript's lib files and typings under node_modules. */
export function nodeFsHost(): FsHost {
  return {
    libDir: findTsLibDir(),
    readFile: readText,
    fileExists: (p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    },
    directoryExists: isDir,
  };
}

/**
 * TypeScript's lib.*.d.ts. When the server is bundled (dist/language-server.js) TypeScript's own idea
 * of its location is the bundle's folder, so also look for node_modules/typescript/lib above it.
 */
function findTsLibDir(): string {
  const has = (d: string) => existsSync(join(d, "lib.es2022.d.ts"));
  const own = dirname(ts.getDefaultLibFilePath({}));
  if (has(own)) return own.split(sep).join("/");
  for (const start of [dirname(process.argv[1] ?? "."), process.cwd()]) {
    let dir = start;
    for (;;) {
      const cand = join(dir, "node_modules", "typescript", "lib");
      if (has(cand)) return cand.split(sep).join("/");
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return own.split(sep).join("/");
}
