/** What one config file contributes: graph pieces plus the extra facts the language features need. */
import type { EnvUse, GraphAlert, GraphEdge, GraphNode, SourceLocation } from "messagefoundry/graph";

/** An HL7 field path literal in `msg.get("PID-5.1")` and friends. */
export interface Hl7PathUse {
  path: string;
  location: SourceLocation;
  /** The router or handler whose body holds it (its inbound decides the HL7 version). */
  owner?: string;
}

/** A problem found while reading one file (syntax, schema), already positioned. */
export interface FileProblem {
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  location: SourceLocation;
}

export interface AlertRef {
  name: string;
  /** `notify` names an outbound; `when.connection` an inbound or outbound. */
  slot: "connection" | "notify";
  location: SourceLocation;
}

export interface FileFacts {
  nodes: GraphNode[];
  edges: GraphEdge[];
  envUses: EnvUse[];
  /** `alert(...)` rules (their names, `when` and `notify` are checked like the rest of the graph). */
  alerts: GraphAlert[];
  /** Connection names written in alerts (`when.connection`, `notify`): content spans, for navigation and rename. */
  alertRefs: AlertRef[];
  hl7Paths: Hl7PathUse[];
  /** `codeSet("name")` calls (the name literal's content span). */
  codeSetUses: { name: string; location: SourceLocation }[];
  /** Z-segments the file declares (`msg.addSegment("ZPI")` anywhere in the config). */
  zSegments: string[];
  problems: FileProblem[];
}

export function emptyFacts(): FileFacts {
  return {
    nodes: [],
    edges: [],
    envUses: [],
    alerts: [],
    alertRefs: [],
    hl7Paths: [],
    codeSetUses: [],
    zSegments: [],
    problems: [],
  };
}

/** Looks like an HL7 field path (`PID-5.1`, `OBX[2]-5`); tryParseFieldPath decides if it is one. */
export const HL7_PATH_RE = /^[A-Z][A-Z0-9]{2}[-.[]/;
