/** Text renderings of the registry graph: canonical JSON, Mermaid and Graphviz DOT. Pure. */
import type { GraphNode, NodeKind, RegistryGraph } from "./types.js";

const KIND_ORDER: Record<NodeKind, number> = { inbound: 0, router: 1, handler: 2, outbound: 3 };

/** Stable ordering so the JSON is diffable and fixture-pinnable. */
export function canonicalGraph(graph: RegistryGraph): RegistryGraph {
  const loc = (a: { location: { file: string; line: number; column: number } }) =>
    `${a.location.file}\u0000${String(a.location.line).padStart(8, "0")}\u0000${String(a.location.column).padStart(6, "0")}`;
  return {
    version: 1,
    nodes: [...graph.nodes].sort(
      (a, b) =>
        KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
        a.name.localeCompare(b.name) ||
        loc(a).localeCompare(loc(b)),
    ),
    edges: [...graph.edges].sort(
      (a, b) =>
        a.kind.localeCompare(b.kind) ||
        a.from.localeCompare(b.from) ||
        (a.to ?? "").localeCompare(b.to ?? "") ||
        loc(a).localeCompare(loc(b)),
    ),
    envUses: [...graph.envUses].sort((a, b) => a.key.localeCompare(b.key) || loc(a).localeCompare(loc(b))),
    ...(graph.alerts && graph.alerts.length > 0
      ? {
          alerts: [...graph.alerts].sort(
            (a, b) => a.name.localeCompare(b.name) || loc(a).localeCompare(loc(b)),
          ),
        }
      : {}),
  };
}

export function graphToJson(graph: RegistryGraph): string {
  return `${JSON.stringify(canonicalGraph(graph), null, 2)}\n`;
}

function nodeId(kind: NodeKind, name: string): string {
  return `${kind}_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

function label(n: GraphNode): string {
  return n.transport ? `${n.name} (${n.transport})` : n.name;
}

const TARGET_KIND = {
  "inbound-router": "router",
  "router-handler": "handler",
  "handler-outbound": "outbound",
} as const;
const SOURCE_KIND = {
  "inbound-router": "inbound",
  "router-handler": "router",
  "handler-outbound": "handler",
} as const;

/** Drawn edges: one arrow per (kind, from, to) even when a router names a handler in two places. */
function drawnEdges(g: RegistryGraph): RegistryGraph["edges"] {
  const seen = new Set<string>();
  return g.edges.filter((e) => {
    if (e.to === null) return true;
    const k = `${e.kind}\u0000${e.from}\u0000${e.to}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function graphToMermaid(graph: RegistryGraph): string {
  const g = canonicalGraph(graph);
  const lines = ["flowchart LR"];
  const shape: Record<NodeKind, [string, string]> = {
    inbound: ["([", "])"],
    router: ["{{", "}}"],
    handler: ["[", "]"],
    outbound: ["([", "])"],
  };
  const declared = new Set<string>();
  for (const n of g.nodes) {
    const id = nodeId(n.kind, n.name);
    if (declared.has(id)) continue;
    declared.add(id);
    const [open, close] = shape[n.kind];
    lines.push(`  ${id}${open}"${label(n).replace(/"/g, "'")}"${close}`);
  }
  drawnEdges(g).forEach((e, i) => {
    const from = nodeId(SOURCE_KIND[e.kind], e.from);
    if (e.to === null) {
      lines.push(`  dyn${i}(("?"))`);
      lines.push(`  ${from} -.->|dynamic| dyn${i}`);
    } else {
      lines.push(`  ${from} --> ${nodeId(TARGET_KIND[e.kind], e.to)}`);
    }
  });
  return `${lines.join("\n")}\n`;
}

export function graphToDot(graph: RegistryGraph): string {
  const g = canonicalGraph(graph);
  const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const shape: Record<NodeKind, string> = {
    inbound: "cds",
    router: "diamond",
    handler: "box",
    outbound: "rarrow",
  };
  const lines = ["digraph messagefoundry {", "  rankdir=LR;"];
  for (const n of g.nodes) {
    lines.push(`  ${q(nodeId(n.kind, n.name))} [label=${q(label(n))}, shape=${shape[n.kind]}];`);
  }
  drawnEdges(g).forEach((e, i) => {
    const from = q(nodeId(SOURCE_KIND[e.kind], e.from));
    if (e.to === null) {
      lines.push(`  ${q(`dynamic_${i}`)} [label="?", shape=circle];`);
      lines.push(`  ${from} -> ${q(`dynamic_${i}`)} [style=dashed, label="dynamic"];`);
    } else lines.push(`  ${from} -> ${q(nodeId(TARGET_KIND[e.kind], e.to))};`);
  });
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
