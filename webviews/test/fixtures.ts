/** Synthetic data shared by the view tests (invented names only). */
import type { TeeCompareReport } from "messagefoundry/api";
import type { GraphEdge, GraphNode, RegistryGraph, SourceLocation } from "messagefoundry/graph";
import { diffHl7 } from "messagefoundry/hl7";

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

/** A tee compare report as `tee compare --json` prints it (the diffs from messagefoundry/hl7's diff). */
export function teeReport(): TeeCompareReport {
  const m = (id: string, family = "TEST", authority = "MRN") =>
    [
      `MSH|^~\\&|ENGINE|FAC|DEST|FAC|20260101120000||ADT^A01^ADT_A01|${id}|P|2.5.1`,
      `PID|1||${id}^^^${authority}||${family}^PATIENT||19700101|U`,
    ].join("\r");
  const ignore = ["MSH-7", "MSH-10", "PID-3.4"];
  const differing = diffHl7(m("C002"), m("C002", "<b>TSET</b>"), { ignore });
  return {
    legacySource: "captures/legacy.ndjson",
    shadowSource: "captures/shadow.ndjson",
    pairBy: "MSH-10",
    ignore,
    summary: {
      pairs: 4,
      identical: 1,
      differing: 1,
      missingLegacy: 1,
      missingShadow: 1,
      topPaths: [{ path: "PID-5", count: 1 }],
    },
    pairs: [
      {
        key: "C001",
        status: "identical",
        messageType: "ADT^A01^ADT_A01",
        legacy: m("C001"),
        shadow: m("C001"),
      },
      {
        key: "C002",
        status: "differing",
        messageType: "ADT^A01^ADT_A01",
        legacy: m("C002"),
        shadow: m("C002", "<b>TSET</b>"),
        diff: differing,
      },
      { key: "C004", status: "missing-shadow", messageType: "ADT^A01^ADT_A01", legacy: m("C004") },
      { key: "C005", status: "missing-legacy", messageType: "ADT^A01^ADT_A01", shadow: m("C005") },
    ],
    problems: ["captures/shadow.ndjson:4: not JSON"],
  };
}
