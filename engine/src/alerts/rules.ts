/** The runnable alert rules of a loaded graph (the loader has already reported any invalid one). */
import { parseAlertCondition, type RegistryGraph, renotifyMs } from "../graph/index.js";
import type { AlertRuleDef } from "./evaluate.js";

/** First declaration of a name wins (a duplicate is MF-DUPLICATE-NAME); invalid rules are left out. */
export function alertRulesOf(graph: RegistryGraph): AlertRuleDef[] {
  const out = new Map<string, AlertRuleDef>();
  for (const a of graph.alerts ?? []) {
    const parsed = parseAlertCondition(a.when);
    const renotify = renotifyMs(a);
    if (out.has(a.name) || "issue" in parsed || typeof renotify !== "number") continue;
    const notify = a.notify.filter((n): n is string => typeof n === "string" && n !== "");
    out.set(a.name, { name: a.name, condition: parsed.condition, notify, renotifyMs: renotify });
  }
  return [...out.values()];
}
