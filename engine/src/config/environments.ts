/**
 * environments/<env>.toml supply env() values; MEFOR_VALUE_<KEY> environment variables override them
 * for the environment being run.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { overrideVarName, type Problem } from "../graph/index.js";
import { pointLocation } from "./locations.js";

export interface Environments {
  values: Record<string, Record<string, unknown>>;
  problems: Problem[];
}

export function loadEnvironments(configDir: string): Environments {
  const dir = join(configDir, "environments");
  const out: Environments = { values: {}, problems: [] };
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith(".toml")) continue;
    const name = f.slice(0, -".toml".length);
    const rel = `environments/${f}`;
    try {
      out.values[name] = parseToml(readFileSync(join(dir, f), "utf8")) as Record<string, unknown>;
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
