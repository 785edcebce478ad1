/**
 * Alert texts: names, counts, durations and error classes only — never message content, never an
 * error's free text (it can quote a message).
 */
import type { AlertCondition } from "../graph/index.js";

/** `7m 3s`, `2h 5m`, `14d`: the two largest units, rounded down to seconds. */
export function humanDuration(ms: number): string {
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ];
  const parts: [number, string][] = [];
  let rest = Math.max(0, Math.floor(ms));
  for (const [u, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push([n, u]);
  }
  const shown = parts.slice(0, 2).filter(([n]) => n > 0);
  return shown.length > 0 ? shown.map(([n, u]) => `${n}${u}`).join(" ") : "0s";
}
function percent(f: number): string {
  return `${Math.round(f * 1000) / 10}%`;
}

/** The firing text of a rule, with the value measured now. */
export function alertText(
  alert: string,
  c: AlertCondition,
  direction: "inbound" | "outbound",
  value: number,
  errorClass: string | null,
): string {
  const who = `${direction} ${c.connection}`;
  const cls = errorClass ? ` (${errorClass})` : "";
  switch (c.kind) {
    case "down":
      return `${alert}: ${who} down for ${humanDuration(value)}${cls}`;
    case "backlog":
      return `${alert}: ${who} has ${value} rows queued (limit ${c.above})`;
    case "backlogAge":
      return `${alert}: the head of ${who}'s lane has waited ${humanDuration(value)} (limit ${humanDuration(c.olderThanMs)})${cls}`;
    case "deadLetters":
      return `${alert}: ${who} has ${value} dead letter${value === 1 ? "" : "s"}${c.above > 0 ? ` (limit ${c.above})` : ""}`;
    case "errorRate":
      return `${alert}: ${who} error rate ${percent(value)} over ${humanDuration(c.windowMs)} (limit ${percent(c.above)})`;
    case "certExpiry":
      return value <= 0
        ? `${alert}: the TLS certificate of ${who} has expired`
        : `${alert}: the TLS certificate of ${who} expires in ${humanDuration(value)} (limit ${humanDuration(c.withinMs)})`;
  }
}

const CLEARED: Record<AlertCondition["kind"], string> = {
  down: "is up again",
  backlog: "backlog is back within its limit",
  backlogAge: "lane is moving again",
  deadLetters: "dead letters are cleared",
  errorRate: "error rate is back within its limit",
  certExpiry: "certificate is no longer close to expiry",
};

export function resolvedText(alert: string, c: AlertCondition, activeMs: number): string {
  return `${alert} resolved: ${c.connection} ${CLEARED[c.kind]} (was active ${humanDuration(activeMs)})`;
}
