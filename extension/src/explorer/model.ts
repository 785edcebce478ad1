/**
 * The config explorer's content: the workspace's inbounds, routers, handlers and outbounds from the
 * language server's registry graph, grouped by kind, each with where it sends and where it is declared.
 * Pure (no vscode), so it is tested in plain Node; tree.ts shows it.
 */
import type { GraphEdge, GraphNode, NodeKind, RegistryGraph, SourceLocation } from "messagefoundry/graph";

export interface ExplorerItem {
  kind: NodeKind;
  name: string;
  /** `mllp → lab_oru_router`, `→ lab_oru_abnormal`, `mllp`. */
  description: string;
  /** `oru.ts:7`. */
  tooltip: string;
  /** Where a click goes: the name in its declaration (config-relative). */
  location: SourceLocation;
}

export interface ExplorerGroup {
  kind: NodeKind;
  label: string;
  items: ExplorerItem[];
}

const GROUPS: readonly { kind: NodeKind; label: string }[] = [
  { kind: "inbound", label: "Inbounds" },
  { kind: "router", label: "Routers" },
  { kind: "handler", label: "Handlers" },
  { kind: "outbound", label: "Outbounds" },
];

/** The edge kind leaving each node kind (outbounds send nowhere in the graph). */
const OUT_EDGE: Partial<Record<NodeKind, GraphEdge["kind"]>> = {
  inbound: "inbound-router",
  router: "router-handler",
  handler: "handler-outbound",
};

/** The four groups in flow order, each sorted by name; empty groups are kept (they say "none yet"). */
export function explorerGroups(graph: RegistryGraph): ExplorerGroup[] {
  return GROUPS.map(({ kind, label }) => {
    const items = graph.nodes
      .filter((n) => n.kind === kind)
      .map((n) => itemOf(n, graph.edges))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { kind, label: `${label} (${items.length})`, items };
  });
}

function itemOf(node: GraphNode, edges: readonly GraphEdge[]): ExplorerItem {
  const edgeKind = OUT_EDGE[node.kind];
  const targets = edgeKind
    ? [
        ...new Set(
          edges.filter((e) => e.kind === edgeKind && e.from === node.name).map((e) => e.to ?? "(computed)"),
        ),
      ]
    : [];
  const parts = [node.transport, targets.length > 0 ? `→ ${targets.join(", ")}` : undefined];
  return {
    kind: node.kind,
    name: node.name,
    description: parts.filter(Boolean).join(" "),
    tooltip: `${node.kind} ${node.name} — ${node.location.file}:${node.location.line}`,
    location: node.location,
  };
}
