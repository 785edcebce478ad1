/**
 * Column layout of the registry graph: inbound → router → handler → outbound, each column ordered by
 * the average row of what feeds it (one barycenter pass), so most edges run straight across.
 * Pure geometry; the view only turns it into SVG.
 */
import type { GraphEdge, GraphNode, NodeKind, RegistryGraph } from "messagefoundry/graph";

export const COLUMNS: readonly NodeKind[] = ["inbound", "router", "handler", "outbound"];

export interface PlacedNode {
  node: GraphNode;
  column: number;
  row: number;
  x: number;
  y: number;
}

export interface PlacedEdge {
  edge: GraphEdge;
  /** SVG path data from the source's right side to the target's left side (or to a stub when dynamic). */
  d: string;
  /** A dangling edge: its target is computed at run time or names a node that does not exist. */
  unresolved: boolean;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 36;
const COLUMN_GAP = 80;
const ROW_GAP = 14;
const MARGIN = 16;
const HEADER = 28;

const SOURCE_KIND: Record<GraphEdge["kind"], NodeKind> = {
  "inbound-router": "inbound",
  "router-handler": "router",
  "handler-outbound": "handler",
};
const TARGET_KIND: Record<GraphEdge["kind"], NodeKind> = {
  "inbound-router": "router",
  "router-handler": "handler",
  "handler-outbound": "outbound",
};

const key = (kind: NodeKind, name: string) => `${kind}:${name}`;

export function layoutGraph(graph: RegistryGraph): GraphLayout {
  const columns: GraphNode[][] = COLUMNS.map((kind) =>
    graph.nodes.filter((n) => n.kind === kind).sort((a, b) => a.name.localeCompare(b.name)),
  );
  const rowOf = new Map<string, number>();
  columns[0]?.forEach((n, i) => {
    rowOf.set(key(n.kind, n.name), i);
  });
  for (let c = 1; c < COLUMNS.length; c++) {
    const kind = COLUMNS[c]!;
    const feeders = new Map<string, number[]>();
    for (const e of graph.edges) {
      if (TARGET_KIND[e.kind] !== kind || e.to === null) continue;
      const row = rowOf.get(key(SOURCE_KIND[e.kind], e.from));
      if (row === undefined) continue;
      const list = feeders.get(e.to) ?? [];
      list.push(row);
      feeders.set(e.to, list);
    }
    const weight = (n: GraphNode) => {
      const rows = feeders.get(n.name);
      return rows ? rows.reduce((a, b) => a + b, 0) / rows.length : Number.POSITIVE_INFINITY;
    };
    const column = columns[c]!;
    column.sort((a, b) => weight(a) - weight(b) || a.name.localeCompare(b.name));
    column.forEach((n, i) => {
      rowOf.set(key(n.kind, n.name), i);
    });
  }
  const placed = new Map<string, PlacedNode>();
  const nodes: PlacedNode[] = [];
  columns.forEach((column, c) => {
    column.forEach((node, row) => {
      const p = {
        node,
        column: c,
        row,
        x: MARGIN + c * (NODE_WIDTH + COLUMN_GAP),
        y: MARGIN + HEADER + row * (NODE_HEIGHT + ROW_GAP),
      };
      placed.set(key(node.kind, node.name), p);
      nodes.push(p);
    });
  });
  const edges: PlacedEdge[] = [];
  for (const edge of graph.edges) {
    const from = placed.get(key(SOURCE_KIND[edge.kind], edge.from));
    if (!from) continue;
    const to = edge.to === null ? undefined : placed.get(key(TARGET_KIND[edge.kind], edge.to));
    const x1 = from.x + NODE_WIDTH;
    const y1 = from.y + NODE_HEIGHT / 2;
    const x2 = to ? to.x : x1 + COLUMN_GAP / 2;
    const y2 = to ? to.y + NODE_HEIGHT / 2 : y1;
    const mid = (x1 + x2) / 2;
    edges.push({
      edge,
      d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
      unresolved: to === undefined,
    });
  }
  const rows = Math.max(1, ...columns.map((c) => c.length));
  return {
    nodes,
    edges,
    width: MARGIN * 2 + COLUMNS.length * NODE_WIDTH + (COLUMNS.length - 1) * COLUMN_GAP,
    height: MARGIN * 2 + HEADER + rows * (NODE_HEIGHT + ROW_GAP),
  };
}

export const COLUMN_TITLES = ["Inbound", "Routers", "Handlers", "Outbound"];
export const COLUMN_HEADER_Y = MARGIN + 14;
export function columnX(c: number): number {
  return MARGIN + c * (NODE_WIDTH + COLUMN_GAP);
}
