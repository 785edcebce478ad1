/** Name sites: every place a registry name or env key is declared or referenced, and what is at an offset. */
import type { GraphNode, NodeKind, SourceLocation } from "messagefoundry/graph";
import type { Hl7PathUse } from "./facts.js";
import type { Analysis, ConfigModel } from "./model.js";
import { contains, LineIndex } from "./text.js";

export const EDGE_TARGET: Record<string, NodeKind> = {
  "inbound-router": "router",
  "router-handler": "handler",
  "handler-outbound": "outbound",
};

export type Site =
  | {
      type: "node";
      kind: NodeKind;
      name: string;
      location: SourceLocation;
      declaration: boolean;
      node?: GraphNode;
    }
  | { type: "env"; name: string; location: SourceLocation; declaration: boolean }
  /** A code set: declared by its file (the site is the file's start), referenced by `codeSet("name")`. */
  | { type: "codeset"; name: string; location: SourceLocation; declaration: boolean }
  | { type: "hl7"; use: Hl7PathUse; location: SourceLocation };

/** All sites of the config (declarations first, then references), in a stable order. */
export function allSites(a: Analysis): Site[] {
  const out: Site[] = [];
  for (const n of a.graph.nodes)
    out.push({ type: "node", kind: n.kind, name: n.name, location: n.location, declaration: true, node: n });
  for (const e of a.graph.edges)
    if (!e.dynamic && e.to !== null)
      out.push({
        type: "node",
        kind: EDGE_TARGET[e.kind] as NodeKind,
        name: e.to,
        location: e.location,
        declaration: false,
      });
  // Alerts name connections too: `notify` an outbound, `when.connection` whichever kind has the name.
  for (const facts of a.facts.values())
    for (const r of facts.alertRefs) {
      const kind: NodeKind = r.slot === "connection" && a.byName.inbound.has(r.name) ? "inbound" : "outbound";
      out.push({ type: "node", kind, name: r.name, location: r.location, declaration: false });
    }
  for (const f of a.envFiles)
    for (const [key, location] of f.keys) out.push({ type: "env", name: key, location, declaration: true });
  for (const u of a.graph.envUses)
    out.push({ type: "env", name: u.key, location: u.location, declaration: false });
  for (const c of a.codeSets.values())
    out.push({
      type: "codeset",
      name: c.name,
      location: { file: c.file, line: 1, column: 1, endLine: 1, endColumn: 1 },
      declaration: true,
    });
  for (const facts of a.facts.values())
    for (const use of facts.codeSetUses)
      out.push({ type: "codeset", name: use.name, location: use.location, declaration: false });
  for (const facts of a.facts.values())
    for (const use of facts.hl7Paths) out.push({ type: "hl7", use, location: use.location });
  return out;
}

/** The site under the cursor in `file`, if any. */
export function siteAt(model: ConfigModel, file: string, offset: number): Site | undefined {
  const text = model.text(file);
  if (text === undefined) return undefined;
  const index = new LineIndex(text);
  return allSites(model.analysis()).find(
    (s) => s.location.file === file && contains(index, s.location, offset),
  );
}

/** Sites that name the same thing as `site` (same kind and name, or same env key). */
export function sameTarget(a: Analysis, site: Site): Site[] {
  if (site.type === "hl7") return [site];
  return allSites(a).filter(
    (s) =>
      s.type === site.type &&
      s.name === site.name &&
      (s.type !== "node" || site.type !== "node" || s.kind === site.kind),
  );
}
