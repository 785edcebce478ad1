/** Code sets: small lookup tables under codesets/<name>.(toml|json|csv) in the config dir. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import type { CodeSet } from "./types.js";

export class CodeSetError extends Error {
  override name = "CodeSetError";
}

function fromRecord(name: string, rec: Record<string, unknown>): CodeSet {
  const map = new Map<string, string>(Object.entries(rec).map(([k, v]) => [k, String(v)]));
  return {
    name,
    get: (code) => map.get(code),
    has: (code) => map.has(code),
    map: (code, fallback) => map.get(code) ?? fallback ?? code,
    entries: () => [...map.entries()],
  };
}

function parseCsv(text: string): Record<string, string> {
  const rec: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const comma = line.indexOf(",");
    if (comma < 0) continue;
    rec[line.slice(0, comma).trim()] = line.slice(comma + 1).trim();
  }
  return rec;
}

export function loadCodeSet(configDir: string, name: string): CodeSet {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new CodeSetError(`invalid code set name "${name}"`);
  for (const ext of ["toml", "json", "csv"] as const) {
    const file = join(configDir, "codesets", `${name}.${ext}`);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    try {
      if (ext === "toml") return fromRecord(name, parseToml(text) as Record<string, unknown>);
      if (ext === "json") return fromRecord(name, JSON.parse(text) as Record<string, unknown>);
      return fromRecord(name, parseCsv(text));
    } catch (e) {
      throw new CodeSetError(`codesets/${name}.${ext}: ${(e as Error).message}`);
    }
  }
  throw new CodeSetError(`code set "${name}" not found (looked for codesets/${name}.toml|json|csv)`);
}
