/** Differences between two registry graphs (what a config promotion would change). Pure. */
import type { GraphAlert, GraphEdge, GraphNode, NodeKind, RegistryGraph } from "./types.js";
import { type ValueChange, valueChanges } from "./value-diff.js";

export interface NodeRef {
  kind: NodeKind;
  name: string;
}

export interface NodeChange extends NodeRef {
  /** Which parts differ: `transport`, `settings`, `options`, `edges`. */
  fields: string[];
  /** Before/after of each setting/option leaf that differs (secrets masked); absent when none. */
  values?: ValueChange[];
}

export interface EdgeRef {
  kind: GraphEdge["kind"];
  from: string;
  to: string | null;
}

export interface GraphDiff {
  added: NodeRef[];
  removed: NodeRef[];
  changed: NodeChange[];
  edgesAdded: EdgeRef[];
  edgesRemoved: EdgeRef[];
  /** Alert rules by name; present only when some were added, removed or changed. */
  alerts?: { added: string[]; removed: string[]; changed: string[] };
}

const key = (n: NodeRef) => `${n.kind}\u0000${n.name}`;
const edgeKey = (e: EdgeRef) => `${e.kind}\u0000${e.from}\u0000${e.to ?? "\u0001dynamic"}`;

/** Deterministic JSON (sorted keys) so key order in a declaration doesn't count as a change. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

function outgoing(graph: RegistryGraph, n: GraphNode): string {
  const edges = graph.edges
    .filter((e) => e.from === n.name && e.kind.startsWith(`${n.kind}-`))
    .map((e) => edgeKey(e))
    .sort();
  return edges.join("|");
}

/** Locations are ignored: moving a declaration is not a change in behaviour. */
export function diffGraphs(before: RegistryGraph, after: RegistryGraph): GraphDiff {
  const a = new Map(before.nodes.map((n) => [key(n), n]));
  const b = new Map(after.nodes.map((n) => [key(n), n]));
  const ref = (n: GraphNode): NodeRef => ({ kind: n.kind, name: n.name });
  const diff: GraphDiff = { added: [], removed: [], changed: [], edgesAdded: [], edgesRemoved: [] };
  for (const [k, n] of b) if (!a.has(k)) diff.added.push(ref(n));
  for (const [k, n] of a) if (!b.has(k)) diff.removed.push(ref(n));
  for (const [k, nb] of b) {
    const na = a.get(k);
    if (na === undefined) continue;
    const fields: string[] = [];
    if ((na.transport ?? null) !== (nb.transport ?? null)) fields.push("transport");
    if (stable(na.settings ?? {}) !== stable(nb.settings ?? {})) fields.push("settings");
    if (stable(na.options ?? {}) !== stable(nb.options ?? {})) fields.push("options");
    if (outgoing(before, na) !== outgoing(after, nb)) fields.push("edges");
    if (fields.length === 0) continue;
    const values = fields.includes("settings") || fields.includes("options") ? valueChanges(na, nb) : [];
    diff.changed.push({ ...ref(nb), fields, ...(values.length > 0 && { values }) });
  }
  const ea = new Map(before.edges.map((e) => [edgeKey(e), e]));
  const eb = new Map(after.edges.map((e) => [edgeKey(e), e]));
  for (const [k, e] of eb) if (!ea.has(k)) diff.edgesAdded.push({ kind: e.kind, from: e.from, to: e.to });
  for (const [k, e] of ea) if (!eb.has(k)) diff.edgesRemoved.push({ kind: e.kind, from: e.from, to: e.to });
  const alerts = diffAlerts(before, after);
  if (alerts) diff.alerts = alerts;
  return diff;
}

/** Alert rules compared by name and by what they do (`when`, `notify`, `renotify`), not where they sit. */
function diffAlerts(before: RegistryGraph, after: RegistryGraph): GraphDiff["alerts"] {
  const rule = (a: GraphAlert) => stable({ when: a.when, notify: a.notify, renotify: a.renotify });
  const a = new Map((before.alerts ?? []).map((x) => [x.name, rule(x)]));
  const b = new Map((after.alerts ?? []).map((x) => [x.name, rule(x)]));
  const added = [...b.keys()].filter((n) => !a.has(n));
  const removed = [...a.keys()].filter((n) => !b.has(n));
  const changed = [...b].filter(([n, r]) => a.has(n) && a.get(n) !== r).map(([n]) => n);
  return added.length + removed.length + changed.length > 0 ? { added, removed, changed } : undefined;
}
