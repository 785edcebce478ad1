/**
 * environments/<env>.toml supply env() values; MEFOR_VALUE_<KEY> environment variables override them
 * for the environment being run.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { overrideVarName, type Problem, type SourceLocation } from "../graph/index.js";
import { pointLocation, spanLocation } from "./locations.js";

export interface Environments {
  values: Record<string, Record<string, unknown>>;
  /** Span of each top-level key per environment (so a secret found there is reported at its key). */
  keyLocations: Record<string, Record<string, SourceLocation>>;
  problems: Problem[];
}

const KEY_LINE = /^(\s*)([A-Za-z0-9_-]+|"[^"\\]*"|'[^']*')\s*=/;

/**
 * Where the top-level keys of an environment file sit (smol-toml keeps no positions). A line scan up to
 * the first table header; `values` keeps only keys the parser really saw (not lines inside a multi-line string).
 */
function topLevelKeys(text: string, file: string, values: Record<string, unknown>) {
  const out: Record<string, SourceLocation> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^\s*\[/.test(line)) break;
    const m = KEY_LINE.exec(line);
    if (!m) continue;
    const raw = m[2] ?? "";
    const key = /^["']/.test(raw) ? raw.slice(1, -1) : raw;
    if (Object.hasOwn(values, key) && !Object.hasOwn(out, key))
      out[key] = spanLocation(file, i + 1, (m[1] ?? "").length + 1, raw.length);
  }
  return out;
}

export function loadEnvironments(configDir: string): Environments {
  const dir = join(configDir, "environments");
  const out: Environments = { values: {}, keyLocations: {}, problems: [] };
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith(".toml")) continue;
    const name = f.slice(0, -".toml".length);
    const rel = `environments/${f}`;
    const text = readFileSync(join(dir, f), "utf8");
    try {
      const values = parseToml(text) as Record<string, unknown>;
      out.values[name] = values;
      out.keyLocations[name] = topLevelKeys(text, rel, values);
    } catch (e) {
      const err = e as TomlError;
      out.problems.push({
        code: "MF-TOML-SYNTAX",
        severity: "error",
        message: `${rel}: ${err instanceof TomlError ? err.message.split("\n")[0] : String(e)}`,
        location: pointLocation(rel, err.line ?? 1, err.column ?? 1),
      });
      out.values[name] = {};
    }
  }
  return out;
}

/**
 * Apply MEFOR_VALUE_<KEY> overrides to one environment's values. `keys` are the keys the config uses,
 * so an override can supply a key the file does not have.
 */
export function applyOverrides(
  values: Readonly<Record<string, unknown>>,
  keys: Iterable<string>,
  processEnv: Readonly<Record<string, string | undefined>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  for (const key of new Set([...Object.keys(values), ...keys])) {
    const v = processEnv[overrideVarName(key)];
    if (v !== undefined) out[key] = v;
  }
  return out;
}
