/**
 * Narrowing of raw settings into each connector's typed interface. The config loader has already
 * resolved env refs; this guards the registry's untyped edge with clear, named errors.
 */
import { ConnectorConfigError } from "./errors.js";

import type { RawSettings } from "./types.js";

export type { RawSettings };

export class SettingsReader {
  constructor(
    readonly connection: string,
    readonly raw: RawSettings,
  ) {}

  fail(key: string | undefined, detail: string): never {
    throw new ConnectorConfigError(this.connection, key, detail);
  }

  /** The first of `keys` that is set (for accepted alternative spellings), else the first. */
  pick(...keys: [string, ...string[]]): string {
    return keys.find((k) => this.has(k)) ?? keys[0];
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  str(key: string, def?: string): string {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (def !== undefined) return def;
      this.fail(key, "is required");
    }
    if (typeof v !== "string" || v === "") this.fail(key, `must be a non-empty string (got ${show(v)})`);
    return v;
  }

  optStr(key: string): string | undefined {
    return this.has(key) ? this.str(key) : undefined;
  }

  int(key: string, opts: { def?: number; min?: number; max?: number } = {}): number {
    let v = this.raw[key];
    if (v === undefined || v === null) {
      if (opts.def !== undefined) return opts.def;
      this.fail(key, "is required");
    }
    if (typeof v === "string" && /^-?\d+$/.test(v.trim())) v = Number(v);
    if (typeof v !== "number" || !Number.isInteger(v)) this.fail(key, `must be an integer (got ${show(v)})`);
    if (opts.min !== undefined && v < opts.min) this.fail(key, `must be >= ${opts.min} (got ${v})`);
    if (opts.max !== undefined && v > opts.max) this.fail(key, `must be <= ${opts.max} (got ${v})`);
    return v;
  }

  port(key = "port"): number {
    return this.int(key, { min: 0, max: 65535 });
  }

  bool(key: string, def: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== "boolean") this.fail(key, `must be true or false (got ${show(v)})`);
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[], def: T): T {
    const v = this.raw[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== "string" || !values.includes(v as T)) {
      this.fail(key, `must be one of ${values.map((x) => `"${x}"`).join(", ")} (got ${show(v)})`);
    }
    return v as T;
  }

  /** A nested table, read with its own reader whose errors name `parent.child`. */
  table(key: string): SettingsReader | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "object" || Array.isArray(v)) this.fail(key, `must be a table (got ${show(v)})`);
    return new NestedReader(this, key, v as RawSettings);
  }

  stringMap(key: string): Record<string, string> {
    const v = this.raw[key];
    if (v === undefined || v === null) return {};
    if (typeof v !== "object" || Array.isArray(v)) this.fail(key, `must be a table of strings`);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v as RawSettings)) {
      if (typeof x !== "string" && typeof x !== "number") this.fail(`${key}.${k}`, "must be a string");
      out[k] = String(x);
    }
    return out;
  }
}

class NestedReader extends SettingsReader {
  constructor(
    private readonly parent: SettingsReader,
    private readonly key: string,
    raw: RawSettings,
  ) {
    super(parent.connection, raw);
  }

  override fail(key: string | undefined, detail: string): never {
    return this.parent.fail(key ? `${this.key}.${key}` : this.key, detail);
  }
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  return typeof v === "object" ? "a table" : String(v);
}
