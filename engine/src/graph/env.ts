/** Pure env-value casting, shared by the loader (runtime values) and the rules (validation). */
import type { EnvCast, EnvRef } from "./types.js";

export type CastResult = { ok: true; value: unknown } | { ok: false; message: string };

export const ENV_CASTS: readonly EnvCast[] = ["string", "int", "float", "bool", "json"];

/** Cast a raw value (a TOML scalar or an environment-variable string) to what `cast` asks for. */
export function castEnvValue(raw: unknown, cast: EnvCast | undefined): CastResult {
  if (cast === undefined) return { ok: true, value: raw };
  switch (cast) {
    case "string":
      return typeof raw === "object" && raw !== null
        ? { ok: false, message: "expected a scalar, got a table/array" }
        : { ok: true, value: String(raw) };
    case "int": {
      if (typeof raw === "number" && Number.isInteger(raw)) return { ok: true, value: raw };
      if (typeof raw === "bigint") return { ok: true, value: Number(raw) };
      if (typeof raw === "string" && /^\s*[-+]?\d+\s*$/.test(raw)) return { ok: true, value: Number(raw) };
      return { ok: false, message: `${JSON.stringify(raw)} is not an integer` };
    }
    case "float": {
      if (typeof raw === "number") return { ok: true, value: raw };
      const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
      return Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, message: `${JSON.stringify(raw)} is not a number` };
    }
    case "bool": {
      if (typeof raw === "boolean") return { ok: true, value: raw };
      const s = String(raw).trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(s)) return { ok: true, value: true };
      if (["false", "0", "no", "off"].includes(s)) return { ok: true, value: false };
      return { ok: false, message: `${JSON.stringify(raw)} is not a boolean (true/false/1/0/yes/no)` };
    }
    case "json": {
      if (typeof raw !== "string") return { ok: true, value: raw };
      try {
        return { ok: true, value: JSON.parse(raw) };
      } catch (e) {
        return { ok: false, message: `not valid JSON: ${(e as Error).message}` };
      }
    }
  }
}

export type EnvResolution =
  | { ok: true; value: unknown }
  | { ok: false; reason: "missing" | "cast"; message: string };

/** Resolve one env reference against an environment's values (overrides already applied). */
export function resolveEnvRef(ref: EnvRef, values: Readonly<Record<string, unknown>>): EnvResolution {
  const has = Object.hasOwn(values, ref.env);
  if (!has) {
    if (ref.default !== undefined) return { ok: true, value: ref.default };
    return { ok: false, reason: "missing", message: `env value "${ref.env}" is not set` };
  }
  const cast = castEnvValue(values[ref.env], ref.cast);
  if (!cast.ok) return { ok: false, reason: "cast", message: `env value "${ref.env}": ${cast.message}` };
  return cast;
}

export function isEnvRef(v: unknown): v is EnvRef {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as EnvRef).env === "string";
}

/** The environment-variable name that overrides key `key`: MEFOR_VALUE_<KEY>. */
export function overrideVarName(key: string): string {
  return `MEFOR_VALUE_${key.toUpperCase()}`;
}
