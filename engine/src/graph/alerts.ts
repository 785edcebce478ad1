/**
 * Alert rules as data: what `alert("name", { when, notify })` declares, how its condition parses,
 * and the validation rule shared by the loader and the language server. Pure (no I/O).
 */
import { CODES, type ProblemCode } from "./codes.js";
import { suggest } from "./suggest.js";
import type { GraphAlert, Problem, RegistryGraph, SettingValue, SourceLocation } from "./types.js";

/** A parsed condition: one per alert. Durations are milliseconds. */
export type AlertCondition =
  | { kind: "down"; connection: string; forMs: number }
  | { kind: "backlog"; connection: string; above: number }
  | { kind: "backlogAge"; connection: string; olderThanMs: number }
  | { kind: "deadLetters"; connection: string; above: number }
  | { kind: "errorRate"; connection: string; above: number; windowMs: number }
  | { kind: "certExpiry"; connection: string; withinMs: number };

export type AlertConditionKind = AlertCondition["kind"];

/** The keys of `when` that pick the condition, with what each takes (for hints, docs and completion). */
export const ALERT_CONDITION_KEYS = {
  down: 'a duration the connection stays down, e.g. "5m"',
  backlogAbove: "a number of queued rows",
  backlogOlderThan: 'a duration the head of an outbound lane waits, e.g. "10m"',
  deadLetters: "true, or a number of dead letters to exceed",
  errorRateAbove: 'a fraction between 0 and 1 (with window: "5m")',
  certExpiresWithin: 'a duration before the TLS certificate expires, e.g. "14d"',
} as const;

export const DEFAULT_RENOTIFY_MS = 60 * 60_000;
export const DEFAULT_ERROR_WINDOW_MS = 5 * 60_000;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** `"30s"`, `"5m"`, `"2h"`, `"14d"`, `"500ms"` → milliseconds; undefined when it is not one. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  const m = DURATION_RE.exec(v.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return ms > 0 ? Math.round(ms) : undefined;
}

/** Milliseconds back to the shortest exact duration text (`300000` → `"5m"`). */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m", "s"] as const)
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}

/** A problem with a `when`/`notify` value: the message and which key's span it points at. */
export interface AlertIssue {
  message: string;
  key: string;
}

const BAD_DURATION = 'is not a duration: write a number with a unit, e.g. "30s", "5m", "2h" or "14d"';

/** Parses `when`; an issue names the key it is about. */
export function parseAlertCondition(
  when: Readonly<Record<string, SettingValue>>,
): { condition: AlertCondition } | { issue: AlertIssue } {
  const connection = when.connection;
  if (typeof connection !== "string" || connection === "")
    return { issue: { message: "when.connection must name an inbound or outbound", key: "when.connection" } };
  const picked = Object.keys(ALERT_CONDITION_KEYS).filter((k) => when[k] !== undefined);
  const allowed = new Set(["connection", "window", ...Object.keys(ALERT_CONDITION_KEYS)]);
  const stray = Object.keys(when).find((k) => !allowed.has(k));
  if (stray !== undefined)
    return { issue: { message: `when.${stray} is not a condition key`, key: `when.${stray}` } };
  if (picked.length !== 1)
    return {
      issue: {
        message: `when must have exactly one of ${Object.keys(ALERT_CONDITION_KEYS).join(", ")} (found ${picked.length})`,
        key: picked.length > 1 ? `when.${picked[1]}` : "when.connection",
      },
    };
  const key = picked[0] as keyof typeof ALERT_CONDITION_KEYS;
  const v = when[key];
  const durationOf = (k: string, raw: unknown): number | AlertIssue => {
    const ms = parseDuration(raw);
    return ms ?? { message: `when.${k} ${JSON.stringify(raw)} ${BAD_DURATION}`, key: `when.${k}` };
  };
  const count = (raw: unknown): number | AlertIssue =>
    typeof raw === "number" && Number.isInteger(raw) && raw >= 0
      ? raw
      : { message: `when.${key} must be a whole number of 0 or more`, key: `when.${key}` };
  if (key !== "errorRateAbove" && when.window !== undefined)
    return { issue: { message: "when.window only goes with errorRateAbove", key: "when.window" } };
  const wrap = (r: number | AlertIssue, make: (n: number) => AlertCondition) =>
    typeof r === "number" ? { condition: make(r) } : { issue: r };
  switch (key) {
    case "down":
      return wrap(durationOf(key, v), (forMs) => ({ kind: "down", connection, forMs }));
    case "backlogAbove":
      return wrap(count(v), (above) => ({ kind: "backlog", connection, above }));
    case "backlogOlderThan":
      return wrap(durationOf(key, v), (olderThanMs) => ({ kind: "backlogAge", connection, olderThanMs }));
    case "deadLetters":
      return wrap(v === true ? 0 : count(v), (above) => ({ kind: "deadLetters", connection, above }));
    case "certExpiresWithin":
      return wrap(durationOf(key, v), (withinMs) => ({ kind: "certExpiry", connection, withinMs }));
    case "errorRateAbove": {
      if (typeof v !== "number" || !(v >= 0 && v < 1))
        return {
          issue: {
            message: "when.errorRateAbove must be a fraction from 0 to below 1",
            key: "when.errorRateAbove",
          },
        };
      const window = when.window === undefined ? DEFAULT_ERROR_WINDOW_MS : durationOf("window", when.window);
      return wrap(window, (windowMs) => ({ kind: "errorRate", connection, above: v, windowMs }));
    }
  }
}

/** The renotify interval of an alert, or an issue when it is not a duration. */
export function renotifyMs(a: Pick<GraphAlert, "renotify">): number | AlertIssue {
  if (a.renotify === undefined || a.renotify === null) return DEFAULT_RENOTIFY_MS;
  return (
    parseDuration(a.renotify) ?? {
      message: `renotify ${JSON.stringify(a.renotify)} ${BAD_DURATION}`,
      key: "renotify",
    }
  );
}

function problem(code: ProblemCode, message: string, location: SourceLocation, hint?: string): Problem {
  return { code, severity: CODES[code].severity, message, location, ...(hint ? { hint } : {}) };
}

/**
 * Alert rules: duplicate names, `when` conditions (keys, durations, numbers), connection names in
 * `when.connection` and `notify` (notify must name outbounds), renotify durations.
 */
export function alertRules(graph: RegistryGraph): Problem[] {
  const out: Problem[] = [];
  const inbounds = new Set(graph.nodes.filter((n) => n.kind === "inbound").map((n) => n.name));
  const outbounds = new Set(graph.nodes.filter((n) => n.kind === "outbound").map((n) => n.name));
  const connections = new Set([...inbounds, ...outbounds]);
  const seen = new Map<string, GraphAlert>();
  const unknown = (name: string, known: Set<string>, what: string) => {
    const close = suggest(name, known);
    return close !== undefined ? `Did you mean "${close}"?` : `Declare ${what} "${name}" or fix the name.`;
  };
  for (const a of graph.alerts ?? []) {
    const at = (key: string) => a.keyLocations?.[key] ?? a.location;
    const first = seen.get(a.name);
    if (first) {
      out.push({
        ...problem(
          "MF-DUPLICATE-NAME",
          `alert "${a.name}" is declared more than once`,
          a.location,
          "Rename one of them; alert names must be unique.",
        ),
        related: [{ message: `first declaration of alert "${a.name}"`, location: first.location }],
      });
    } else seen.set(a.name, a);
    const parsed = parseAlertCondition(a.when);
    if ("issue" in parsed) {
      out.push(
        problem("MF-ALERT", `alert "${a.name}": ${parsed.issue.message}`, at(parsed.issue.key), alertHint()),
      );
    } else {
      const c = parsed.condition;
      if (!connections.has(c.connection))
        out.push(
          problem(
            "MF-UNKNOWN-CONNECTION",
            `alert "${a.name}" watches unknown connection "${c.connection}"`,
            at("when.connection"),
            unknown(c.connection, connections, "an inbound or outbound"),
          ),
        );
      else if (c.kind === "backlogAge" && !outbounds.has(c.connection))
        out.push(
          problem(
            "MF-ALERT",
            `alert "${a.name}": backlogOlderThan watches an outbound lane; "${c.connection}" is an inbound`,
            at("when.backlogOlderThan"),
            "Use backlogAbove for an inbound, or name an outbound.",
          ),
        );
    }
    a.notify.forEach((n, i) => {
      const loc = at(`notify.${i}`);
      if (typeof n !== "string" || n === "")
        out.push(problem("MF-ALERT", `alert "${a.name}": notify must list outbound names`, loc));
      else if (!outbounds.has(n))
        out.push(
          problem(
            "MF-UNKNOWN-CONNECTION",
            inbounds.has(n)
              ? `alert "${a.name}" notifies "${n}", an inbound: notices go out through outbounds`
              : `alert "${a.name}" notifies unknown outbound "${n}"`,
            loc,
            unknown(n, outbounds, "outbound"),
          ),
        );
    });
    const r = renotifyMs(a);
    if (typeof r !== "number") out.push(problem("MF-ALERT", `alert "${a.name}": ${r.message}`, at(r.key)));
  }
  return out;
}

function alertHint(): string {
  return `when: { connection: "OB_…", <one of ${Object.keys(ALERT_CONDITION_KEYS).join(" | ")}> }`;
}
