/** connections.toml → graph nodes/edges with positions, plus schema problems at the offending key. */
import {
  type EnvUse,
  type GraphNode,
  isSecretSetting,
  type SettingValue,
  type SourceLocation,
} from "messagefoundry/graph";
import { parse, TomlError } from "smol-toml";
import { emptyFacts, type FileFacts } from "./facts.js";
import { LineIndex } from "./text.js";
import { type KeySpan, scanToml, type TableSpan, type TomlScan } from "./tomlScan.js";

export interface TomlDoc {
  scan: TomlScan;
  /** The parsed document, or undefined when it does not parse. */
  data: Record<string, unknown> | undefined;
}

/**
 * Parses with positions. A syntax error is reported at its position and the rest of the file still
 * counts: the offending line is blanked (offsets kept) and parsing retried, so one typo does not make
 * every connection vanish and cascade into "unknown outbound" errors elsewhere.
 */
export function readToml(file: string, text: string, facts: FileFacts): TomlDoc {
  const scan = scanToml(text);
  const index = new LineIndex(text);
  let source = text;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return { scan, data: parse(source) as Record<string, unknown> };
    } catch (e) {
      if (!(e instanceof TomlError)) return { scan, data: undefined };
      let start = index.offset({ line: e.line - 1, character: e.column - 1 });
      if (start > 0 && (start >= text.length || text[start] === "\n" || text[start] === "\r")) start--;
      const message = e.message.split("\n")[0]?.replace(/^Invalid TOML document: /, "") ?? e.message;
      if (attempt === 0)
        facts.problems.push({
          code: "MF-TOML-SYNTAX",
          severity: "error",
          message: `TOML syntax error: ${message}`,
          location: index.location(file, start, Math.min(start + 1, text.length)),
        });
      const lineStart = index.lineStart(e.line - 1);
      const lineEnd = e.line < index.lineCount ? index.lineStart(e.line) - 1 : text.length;
      if (lineEnd <= lineStart) return { scan, data: undefined };
      source = `${source.slice(0, lineStart)}#${" ".repeat(Math.max(0, lineEnd - lineStart - 1))}${source.slice(lineEnd)}`;
    }
  }
  return { scan, data: undefined };
}

export function keyAt(scan: TomlScan, path: string[]): KeySpan | undefined {
  return scan.byPath.get(path.join("."));
}

/**
 * Builds graph nodes/edges from connections.toml. Settings/options schemas are checked by the shared
 * rules (via keyLocations); only TOML-shape problems (not an array of tables, no name) are reported here.
 */
export function extractConnections(file: string, text: string): FileFacts {
  const facts = emptyFacts();
  const { scan, data } = readToml(file, text, facts);
  if (!data) return facts;
  const index = new LineIndex(text);
  const keyLoc = (k: KeySpan): SourceLocation => index.location(file, k.keyStart, k.keyEnd);
  const valLoc = (k: KeySpan): SourceLocation => index.location(file, k.valueStart, k.valueEnd);
  const entryProblem = (message: string, location: SourceLocation) =>
    facts.problems.push({ code: "MF-TOML-ENTRY", severity: "error", message, location });

  const tables = new Map(scan.tables.map((t) => [t.path.join("."), t]));
  for (const kind of ["inbound", "outbound"] as const) {
    const entries = data[kind];
    if (entries === undefined) continue;
    if (!Array.isArray(entries)) {
      const k = keyAt(scan, [kind]);
      const table = scan.tables.find((t) => t.path[0] === kind);
      const at = k
        ? keyLoc(k)
        : table
          ? index.location(file, table.start, table.headerEnd)
          : index.location(file, 0, 0);
      entryProblem(`"${kind}" must be an array of tables: write [[${kind}]]`, at);
      continue;
    }
    entries.forEach((entry: unknown, i: number): void => {
      const base = [kind, String(i)];
      const table = tables.get(base.join("."));
      const header = table ? index.location(file, table.start, table.headerEnd) : index.location(file, 0, 0);
      if (!isRecord(entry)) {
        entryProblem(`[[${kind}]] entry must be a table`, header);
        return;
      }
      const nameKey = keyAt(scan, [...base, "name"]);
      if (typeof entry.name !== "string" || !nameKey) {
        entryProblem(`[[${kind}]] entry needs name = "..."`, nameKey ? valLoc(nameKey) : header);
        return;
      }
      const node: GraphNode = {
        kind,
        name: entry.name,
        origin: "toml",
        location: valLoc(nameKey),
        // The entry with its sub-tables (`[inbound.settings]` belongs to the last `[[inbound]]`).
        declaration: table
          ? index.location(file, table.start, entryEnd(tables, base, table.end))
          : valLoc(nameKey),
      };
      const keyLocations: Record<string, SourceLocation> = {};
      const transportKey = keyAt(scan, [...base, "transport"]);
      if (typeof entry.transport === "string") node.transport = entry.transport;
      else entryProblem(`[[${kind}]] "${entry.name}" needs transport = "..."`, header);
      if (transportKey) keyLocations.transport = valLoc(transportKey);
      if (isRecord(entry.settings)) node.settings = entry.settings as Record<string, SettingValue>;
      else if (entry.settings !== undefined)
        entryProblem(`[[${kind}]] "${entry.name}": settings must be a table`, header);
      const options: Record<string, SettingValue> = {};
      for (const [k, v] of Object.entries(entry))
        if (!["name", "transport", "settings"].includes(k)) options[k] = v as SettingValue;
      if (Object.keys(options).length) node.options = options;
      for (const k of Object.keys(entry)) {
        if (k === "name" || k === "transport") continue;
        if (k === "settings") {
          if (isRecord(entry.settings))
            for (const sk of Object.keys(entry.settings)) {
              const span = keyAt(scan, [...base, "settings", sk]);
              if (span) keyLocations[`settings.${sk}`] = valLoc(span);
            }
          continue;
        }
        const span = keyAt(scan, [...base, k]);
        if (span) keyLocations[`options.${k}`] = valLoc(span);
      }
      node.keyLocations = keyLocations;
      facts.nodes.push(node);
      const routerKey = keyAt(scan, [...base, "router"]);
      if (kind === "inbound" && typeof entry.router === "string" && routerKey)
        facts.edges.push({
          kind: "inbound-router",
          from: entry.name,
          to: entry.router,
          dynamic: false,
          location: valLoc(routerKey),
          origin: "toml",
        });
      const settingsPath = [...base, "settings"];
      // A ref in a secret setting (`x-mf-secret`) is marked so its key is never looked up in environment files.
      const transport = typeof entry.transport === "string" ? entry.transport : "";
      const secretAt = (path: string[]) => isSecretSetting(transport, path.slice(settingsPath.length));
      collectEnv(entry.settings, settingsPath, scan, index, file, facts.envUses, secretAt);
    });
  }
  return facts;
}

function entryEnd(tables: Map<string, TableSpan>, base: string[], end: number): number {
  const prefix = base.join(".");
  for (const sub of ["settings", "retry"]) {
    const t = tables.get(`${prefix}.${sub}`);
    if (t) end = Math.max(end, t.end);
  }
  return end;
}

function collectEnv(
  v: unknown,
  path: string[],
  scan: TomlScan,
  index: LineIndex,
  file: string,
  out: EnvUse[],
  secretAt: (path: string[]) => boolean = () => false,
) {
  if (!isRecord(v)) return;
  if (typeof v.env === "string") {
    const k = keyAt(scan, [...path, "env"]);
    if (!k) return;
    const use: EnvUse = {
      key: v.env,
      hasDefault: v.default !== undefined,
      location: index.location(file, k.valueStart, k.valueEnd),
    };
    if (typeof v.cast === "string") use.cast = v.cast as EnvUse["cast"];
    if (secretAt(path)) use.secret = true;
    out.push(use);
    return;
  }
  for (const [k, sub] of Object.entries(v)) collectEnv(sub, [...path, k], scan, index, file, out, secretAt);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
