/**
 * Clone Connection, the pure part: a free name for the copy, the next free listener port, and the copy
 * itself written beside the original in the same form — the `[[inbound]]`/`[[outbound]]` table of
 * connections.toml, or the `inbound(…)`/`outbound(…)` statement of a TypeScript module. The original's
 * text is copied as written (comments, env() references, options), only its name and port change.
 */
import type { GraphNode, RegistryGraph } from "messagefoundry/graph";
import { findConnectionStatement, literalPortOf, type TextEdit } from "./tsEdit.js";

/** `IB_ACME_ADT` → `IB_ACME_ADT_2` (or `_3`… the first no node of the graph uses); `IB_X_2` → `IB_X_3`. */
export function freeCloneName(name: string, graph: RegistryGraph | undefined): string {
  const used = new Set((graph?.nodes ?? []).map((n) => n.name));
  const m = /^(.*)_(\d+)$/.exec(name);
  const base = m ? m[1]! : name;
  for (let n = m ? Number(m[2]) + 1 : 2; ; n++) {
    const candidate = `${base}_${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** Every literal port a connection of the graph declares (a port from env() is not known here). */
export function usedPorts(graph: RegistryGraph | undefined): Set<number> {
  const out = new Set<number>();
  for (const n of graph?.nodes ?? []) {
    const p = n.settings?.port;
    if (typeof p === "number") out.add(p);
  }
  return out;
}

/** The first port above `port` that no connection uses. */
export function nextFreePort(port: number, used: ReadonlySet<number>): number {
  let p = port + 1;
  while (used.has(p)) p++;
  return p;
}

/**
 * The port the clone gets: a listener (an inbound with a literal port) moves to the next free port so
 * both can listen; an outbound keeps its peer's port (two connections to one peer do not clash).
 */
export function clonePort(node: GraphNode, graph: RegistryGraph | undefined): number | undefined {
  const p = node.settings?.port;
  if (node.kind !== "inbound" || typeof p !== "number") return undefined;
  return nextFreePort(p, usedPorts(graph));
}

/** What to insert into the original's file, or why it cannot be copied. */
export type CloneEdit = { edit: TextEdit; port?: number } | { error: string };

/** Copies the `[[inbound]]`/`[[outbound]]` table named `name` right after it, renamed and re-ported. */
export function cloneTomlTable(text: string, name: string, newName: string, port?: number): CloneEdit {
  const lines = text.split("\n");
  const header = /^\s*\[\[\s*(inbound|outbound)\s*\]\]/;
  const starts = lines.flatMap((l, i) => (header.test(l) ? [i] : []));
  const nameLine = new RegExp(`^\\s*name\\s*=\\s*(["'])${escapeRe(name)}\\1\\s*(#.*)?$`);
  for (const [k, start] of starts.entries()) {
    let end = k + 1 < starts.length ? starts[k + 1]! : lines.length;
    // The table ends at its last non-blank line that is not a comment leading into the next table.
    while (end > start + 1 && /^\s*(#.*)?$/.test(lines[end - 1]!)) end--;
    const table = lines.slice(start, end);
    if (!table.some((l) => nameLine.test(l))) continue;
    let section = "";
    let ported = false;
    const copy = table.map((l) => {
      const sub = /^\s*\[([^[\]]+)\]\s*$/.exec(l);
      if (sub) section = sub[1]!.trim();
      if (nameLine.test(l)) return l.replace(name, newName);
      if (port !== undefined && /\.settings$/.test(section) && /^\s*port\s*=\s*\d+\s*(#.*)?$/.test(l)) {
        ported = true;
        return l.replace(/\d+/, String(port));
      }
      return l;
    });
    const offset = lines.slice(0, end).join("\n").length;
    return {
      edit: { start: offset, end: offset, text: `\n\n${copy.join("\n")}` },
      ...(ported ? { port } : {}),
    };
  }
  return { error: `No [[inbound]] or [[outbound]] table named ${name} in connections.toml.` };
}

/** Copies the `inbound("NAME", …)`/`outbound("NAME", …)` statement right after it, renamed and re-ported. */
export function cloneTsStatement(text: string, name: string, newName: string, port?: number): CloneEdit {
  const found = findConnectionStatement(text, name);
  if (!found) return { error: `No inbound("${name}", …) or outbound("${name}", …) call in this module.` };
  const { start, end, nameLiteral, sf, call } = found;
  const lit = nameLiteral.getStart(sf);
  const portNode = port === undefined ? undefined : literalPortOf(call);
  // Replacements inside the copied statement, by offset relative to its start, last first.
  const parts: TextEdit[] = [
    { start: lit - start, end: nameLiteral.end - start, text: JSON.stringify(newName) },
  ];
  if (portNode)
    parts.push({ start: portNode.getStart(sf) - start, end: portNode.end - start, text: String(port) });
  let copy = text.slice(start, end);
  for (const p of parts.sort((a, b) => b.start - a.start))
    copy = copy.slice(0, p.start) + p.text + copy.slice(p.end);
  return { edit: { start: end, end, text: `\n${copy}` }, ...(portNode ? { port } : {}) };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The notification once the copy is written: where, on which port, and what is left to do. */
export function cloneWrittenMessage(node: GraphNode, newName: string, port: number | undefined): string {
  const p = node.settings?.port;
  const env = typeof p === "object" && p !== null && "env" in p ? String(p.env) : undefined;
  const listens =
    port !== undefined
      ? ` It listens on port ${port} (the next free one).`
      : node.kind === "inbound" && env
        ? ` Its port comes from env("${env}"), as the original's: give the copy its own before both run.`
        : "";
  return `${newName} written to ${node.location.file} beside ${node.name}.${listens} Next: point it at its router or peer, then stage and promote.`;
}
