/** Synthetic data shared by the view tests (invented names only). */
import type { GraphEdge, GraphNode, RegistryGraph, SourceLocation } from "messagefoundry/graph";

export function loc(file: string, line: number, column = 1, length = 10): SourceLocation {
  return { file, line, column, endLine: line, endColumn: column + length };
}

function node(
  kind: GraphNode["kind"],
  name: string,
  file: string,
  line: number,
  transport?: string,
): GraphNode {
  const n: GraphNode = {
    kind,
    name,
    origin: file.endsWith(".toml") ? "toml" : "ts",
    location: loc(file, line),
  };
  if (transport) n.transport = transport;
  return n;
}

function edge(
  kind: GraphEdge["kind"],
  from: string,
  to: string | null,
  file: string,
  line: number,
): GraphEdge {
  return { kind, from, to, dynamic: to === null, location: loc(file, line), origin: "ts" };
}

export const GRAPH: RegistryGraph = {
  version: 1,
  nodes: [
    node("inbound", "IB_ACME_ADT", "routes/acme.ts", 3, "mllp"),
    node("inbound", "IB_LAB_ORU", "connections.toml", 2, "mllp"),
    node("router", "acme_adt_router", "routes/acme.ts", 6),
    node("router", "lab_oru_router", "routes/lab.ts", 4),
    node("handler", "acme_adt_handler", "routes/acme.ts", 8),
    node("handler", "acme_adt_audit", "routes/acme.ts", 14),
    node("handler", "lab_oru_handler", "routes/lab.ts", 9),
    node("outbound", "OB_ACME_ADT", "routes/acme.ts", 4, "mllp"),
    node("outbound", "OB_ACME_ARCHIVE", "connections.toml", 12, "file"),
    node("outbound", "OB_LAB_ORU", "connections.toml", 20, "rest"),
  ],
  edges: [
    edge("inbound-router", "IB_ACME_ADT", "acme_adt_router", "routes/acme.ts", 3),
    edge("inbound-router", "IB_LAB_ORU", "lab_oru_router", "connections.toml", 5),
    edge("router-handler", "acme_adt_router", "acme_adt_handler", "routes/acme.ts", 6),
    edge("router-handler", "acme_adt_router", "acme_adt_audit", "routes/acme.ts", 6),
    edge("router-handler", "lab_oru_router", "lab_oru_handler", "routes/lab.ts", 5),
    edge("handler-outbound", "acme_adt_handler", "OB_ACME_ADT", "routes/acme.ts", 11),
    edge("handler-outbound", "acme_adt_audit", "OB_ACME_ARCHIVE", "routes/acme.ts", 15),
    edge("handler-outbound", "lab_oru_handler", null, "routes/lab.ts", 12),
  ],
  envUses: [],
};
