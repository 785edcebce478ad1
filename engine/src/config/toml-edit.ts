/**
 * Edit connections.toml as data while keeping the user's comments and layout: read with smol-toml,
 * write with @decimalturn/toml-patch (which diffs the new object against the existing text).
 */
import { patch, stringify } from "@decimalturn/toml-patch";
import { parse as parseToml } from "smol-toml";

export interface ConnectionEntry {
  kind: "inbound" | "outbound";
  name: string;
  transport: string;
  settings: Record<string, unknown>;
  /** Everything else: router (inbound), contentType, ack, retry, ordering... */
  options: Record<string, unknown>;
}

type Doc = {
  inbound?: Record<string, unknown>[];
  outbound?: Record<string, unknown>[];
  [k: string]: unknown;
};

function read(text: string): Doc {
  return (text.trim() === "" ? {} : parseToml(text)) as Doc;
}

export function listConnections(text: string): ConnectionEntry[] {
  const doc = read(text);
  const out: ConnectionEntry[] = [];
  for (const kind of ["inbound", "outbound"] as const) {
    for (const raw of doc[kind] ?? []) {
      const { name, transport, settings, ...options } = raw;
      out.push({
        kind,
        name: String(name),
        transport: String(transport),
        settings: (settings ?? {}) as Record<string, unknown>,
        options,
      });
    }
  }
  return out;
}

function toTable(e: ConnectionEntry): Record<string, unknown> {
  const { router, ...rest } = e.options;
  // Key order: name, transport, router first (how people read an entry), settings last as a sub-table.
  return {
    name: e.name,
    transport: e.transport,
    ...(router !== undefined ? { router } : {}),
    ...rest,
    settings: e.settings,
  };
}

/** Insert or replace the connection `entry.name` of `entry.kind`. Returns the new text. */
export function upsertConnection(text: string, entry: ConnectionEntry): string {
  const doc = read(text);
  if (doc[entry.kind] === undefined) {
    // toml-patch cannot add a new array of tables; append one (the rest of the text is untouched).
    const sep = text === "" || text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
    return `${text}${sep}${stringify({ [entry.kind]: [toTable(entry)] })}`;
  }
  const list = [...(doc[entry.kind] ?? [])];
  const i = list.findIndex((x) => x.name === entry.name);
  if (i >= 0) list[i] = toTable(entry);
  else list.push(toTable(entry));
  return patch(text, { ...doc, [entry.kind]: list });
}

/** Remove a connection; returns the new text and whether it existed. */
export function removeConnection(
  text: string,
  kind: "inbound" | "outbound",
  name: string,
): { text: string; removed: boolean } {
  const doc = read(text);
  const list = doc[kind] ?? [];
  const kept = list.filter((x) => x.name !== name);
  if (kept.length === list.length) return { text, removed: false };
  const updated: Doc = { ...doc, [kind]: kept };
  if (kept.length === 0) delete updated[kind];
  return { text: patch(text, updated), removed: true };
}
