/**
 * Before/after values of a changed node's settings and options, one line per leaf that differs, so a
 * promote review says `settings.port: 2600 → 2601` rather than only "settings changed". Secret settings
 * are never shown (`***` on both sides); env references show as `env(key)`. Pure.
 */
import { isEnvRef } from "./env.js";
import { isSecretSetting, MASKED_SECRET } from "./schemas.js";
import type { GraphNode } from "./types.js";

export interface ValueChange {
  /** Dotted path from the node, e.g. `settings.port`, `options.retry.attempts`. */
  path: string;
  /** Compact rendering; absent when the key is new (before) or gone (after). */
  before?: string;
  after?: string;
}

/** At most this many lines per node, and this many characters per value: a review, not a dump. */
const MAX_LINES = 50;
const MAX_CHARS = 200;

function render(v: unknown): string {
  if (v === undefined) return "";
  const text = isEnvRef(v)
    ? `env(${v.env})`
    : JSON.stringify(v, (_k, x: unknown) => (isEnvRef(x) ? `env(${x.env})` : x));
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - 1)}…` : text;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !isEnvRef(v);
}

function leaves(v: unknown, path: string[], out: Map<string, unknown>): void {
  if (isPlain(v) && (Object.keys(v).length > 0 || path.length === 0)) {
    for (const [k, x] of Object.entries(v)) if (x !== undefined) leaves(x, [...path, k], out);
  } else out.set(path.join("\u0000"), v);
}

/** The leaves of `settings` and `options` that differ between two declarations of the same node. */
export function valueChanges(before: GraphNode, after: GraphNode): ValueChange[] {
  const out: ValueChange[] = [];
  for (const part of ["settings", "options"] as const) {
    const a = new Map<string, unknown>();
    const b = new Map<string, unknown>();
    leaves(before[part] ?? {}, [], a);
    leaves(after[part] ?? {}, [], b);
    for (const k of new Set([...a.keys(), ...b.keys()])) {
      const x = a.get(k);
      const y = b.get(k);
      if (render(x) === render(y) && a.has(k) === b.has(k)) continue;
      const keys = k.split("\u0000").filter((s) => s !== "");
      const secret =
        part === "settings" &&
        (isSecretSetting(before.transport ?? "", keys) || isSecretSetting(after.transport ?? "", keys));
      out.push({
        path: [part, ...keys].join("."),
        ...(a.has(k) && { before: secret ? MASKED_SECRET : render(x) }),
        ...(b.has(k) && { after: secret ? MASKED_SECRET : render(y) }),
      });
      if (out.length >= MAX_LINES) return out;
    }
  }
  return out;
}
