/**
 * connections.toml: connections as data. smol-toml reads the values; a line scanner finds where each
 * entry and key sits (smol-toml keeps no positions) so problems point at the exact value.
 */
import { parse as parseToml, TomlError } from "smol-toml";
import type { EnvCast, Problem, SettingValue, SourceLocation } from "../graph/index.js";
import { ENV_CASTS, isSecretSetting } from "../graph/index.js";
import { pointLocation, spanLocation } from "./locations.js";

export const CONNECTIONS_FILE = "connections.toml";

export interface TomlConnection {
  kind: "inbound" | "outbound";
  name: string;
  transport: string;
  settings: Record<string, SettingValue>;
  options: Record<string, SettingValue>;
  location: SourceLocation;
  declaration: SourceLocation;
  keyLocations: Record<string, SourceLocation>;
  /** Router named by an inbound, with the span of its value. */
  router?: { name: string; location: SourceLocation };
  envUses: { key: string; cast?: EnvCast; hasDefault: boolean; location: SourceLocation; secret?: boolean }[];
}

interface EntrySpan {
  kind: "inbound" | "outbound";
  headerLine: number;
  lastLine: number;
  keys: Record<string, SourceLocation>;
  envKeys: { key: string; location: SourceLocation }[];
}

/** Span of a TOML value starting at `col0` (0-based) in `line`: a string, an inline table/array or a bare word. */
function valueLength(line: string, col0: number): number {
  const ch = line[col0];
  if (ch === '"' || ch === "'") {
    let i = col0 + 1;
    while (i < line.length && line[i] !== ch) i += line[i] === "\\" && ch === '"' ? 2 : 1;
    return Math.min(i + 1, line.length) - col0;
  }
  if (ch === "{" || ch === "[") {
    let depth = 0;
    for (let i = col0; i < line.length; i++) {
      const c = line[i];
      if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) return i + 1 - col0;
      }
    }
    return line.length - col0;
  }
  const hash = line.indexOf("#", col0);
  return (hash < 0 ? line : line.slice(0, hash)).trimEnd().length - col0;
}

function scan(text: string, file: string): EntrySpan[] {
  const lines = text.split(/\r?\n/);
  const entries: EntrySpan[] = [];
  let cur: EntrySpan | undefined;
  let section = "";
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    const header = /^\s*\[\[\s*(inbound|outbound)\s*\]\]/.exec(line);
    if (header) {
      cur = {
        kind: header[1] as "inbound" | "outbound",
        headerLine: lineNo,
        lastLine: lineNo,
        keys: {},
        envKeys: [],
      };
      entries.push(cur);
      section = "";
      return;
    }
    const sub = /^\s*\[\s*(inbound|outbound)\.([A-Za-z0-9_]+)\s*\]/.exec(line);
    if (sub && cur && sub[1] === cur.kind) {
      section = sub[2] ?? "";
      cur.lastLine = lineNo;
      return;
    }
    if (/^\s*\[/.test(line)) {
      cur = undefined;
      return;
    }
    if (!cur) return;
    if (line.trim() !== "" && !line.trim().startsWith("#")) cur.lastLine = lineNo;
    const kv = /^(\s*)([A-Za-z0-9_-]+)\s*=\s*/.exec(line);
    if (kv) {
      const key = kv[2] ?? "";
      const col0 = kv[0].length;
      const loc = spanLocation(file, lineNo, col0 + 1, valueLength(line, col0));
      cur.keys[section ? `${section}.${key}` : key] = loc;
      // Keys inside an inline table (`settings = { port = 2600 }`): depth-1 keys only.
      if (line[col0] === "{") {
        let depth = 0;
        for (let j = col0; j < line.length; j++) {
          const c = line[j];
          if (c === "{") depth++;
          else if (c === "}") depth--;
          else if (depth === 1) {
            const m = /^([A-Za-z0-9_-]+)\s*=\s*/.exec(line.slice(j));
            if (m && /[\s{,]/.test(line[j - 1] ?? " ")) {
              const v0 = j + m[0].length;
              cur.keys[`${key}.${m[1]}`] = spanLocation(file, lineNo, v0 + 1, valueLength(line, v0));
              j = v0 + valueLength(line, v0) - 1;
            }
          }
        }
      }
    }
    for (const m of line.matchAll(/\benv\s*=\s*"([^"]*)"/g)) {
      const start = (m.index ?? 0) + m[0].indexOf('"');
      cur.envKeys.push({
        key: m[1] ?? "",
        location: spanLocation(file, lineNo, start + 1, (m[1]?.length ?? 0) + 2),
      });
    }
  });
  return entries;
}

const TOP_KEYS = new Set(["name", "transport", "settings", "router"]);

interface EnvRefFound {
  key: string;
  cast?: EnvCast;
  hasDefault: boolean;
  secret?: boolean;
}

/** Env refs in document order; `secretAt` says whether a settings path is an `x-mf-secret` setting. */
function collectEnvRefs(
  v: unknown,
  out: EnvRefFound[],
  secretAt: (path: string[]) => boolean = () => false,
  path: string[] = [],
): void {
  if (Array.isArray(v)) {
    for (const x of v) collectEnvRefs(x, out, () => false, path);
  } else if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.env === "string") {
      out.push({
        key: o.env,
        hasDefault: o.default !== undefined,
        ...(typeof o.cast === "string" ? { cast: o.cast as EnvCast } : {}),
        ...(secretAt(path) ? { secret: true } : {}),
      });
    } else {
      for (const [k, x] of Object.entries(o)) collectEnvRefs(x, out, secretAt, [...path, k]);
    }
  }
}

function toSetting(v: unknown): SettingValue {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(toSetting);
  if (v !== null && typeof v === "object") {
    const out: Record<string, SettingValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toSetting(x);
    return out;
  }
  return v as SettingValue;
}

export interface TomlConnections {
  connections: TomlConnection[];
  problems: Problem[];
}

/** Read connections.toml text into connection entries plus positioned problems. Never throws. */
export function readConnectionsToml(text: string, file = CONNECTIONS_FILE): TomlConnections {
  const problems: Problem[] = [];
  let data: Record<string, unknown>;
  try {
    data = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const err = e as TomlError;
    const msg = err instanceof TomlError ? (err.message.split("\n")[0] ?? "") : String(e);
    problems.push({
      code: "MF-TOML-SYNTAX",
      severity: "error",
      message: `${file}: ${msg}`,
      hint: "Fix the TOML syntax; see https://toml.io.",
      location: pointLocation(file, err.line ?? 1, err.column ?? 1),
    });
    return { connections: [], problems };
  }
  const spans = scan(text, file);
  const connections: TomlConnection[] = [];
  const counters = { inbound: 0, outbound: 0 };
  const entryProblem = (message: string, location: SourceLocation, hint?: string) =>
    problems.push({ code: "MF-TOML-ENTRY", severity: "error", message, location, ...(hint ? { hint } : {}) });
  for (const top of Object.keys(data)) {
    if (top !== "inbound" && top !== "outbound") {
      entryProblem(
        `${file}: unknown top-level key "${top}"`,
        pointLocation(file, 1, 1),
        "Use [[inbound]] and [[outbound]] tables.",
      );
    }
  }
  for (const span of spans) {
    const kind = span.kind;
    const list = data[kind];
    const raw = Array.isArray(list)
      ? (list[counters[kind]++] as Record<string, unknown> | undefined)
      : undefined;
    const declaration: SourceLocation = {
      file,
      line: span.headerLine,
      column: 1,
      endLine: span.lastLine,
      endColumn: 1 + (text.split(/\r?\n/)[span.lastLine - 1]?.length ?? 0),
    };
    const headerLoc = spanLocation(file, span.headerLine, 1, `[[${kind}]]`.length);
    if (!raw) continue;
    const name = raw.name;
    if (typeof name !== "string" || name === "") {
      entryProblem(`${file}: [[${kind}]] entry has no name`, headerLoc, 'Add name = "..." to the entry.');
      continue;
    }
    const transport = raw.transport;
    if (typeof transport !== "string") {
      entryProblem(
        `${kind} "${name}": no transport`,
        span.keys.name ?? headerLoc,
        'Add transport = "mllp" (or tcp, file, http, rest, loopback, amqp, timer, soap, smtp, sftp, ftp, ftps, database, dicom, dicomweb).',
      );
      continue;
    }
    const settings = raw.settings ?? {};
    if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
      entryProblem(`${kind} "${name}": settings must be a table`, span.keys.settings ?? headerLoc);
      continue;
    }
    const options: Record<string, SettingValue> = {};
    for (const [k, v] of Object.entries(raw))
      if (!TOP_KEYS.has(k) || k === "router") options[k] = toSetting(v);
    const keyLocations: Record<string, SourceLocation> = {};
    for (const [k, loc] of Object.entries(span.keys)) {
      const [head, ...rest] = k.split(".");
      if (head === "settings" && rest.length > 0) keyLocations[`settings.${rest[0]}`] = loc;
      else if (head === "transport") keyLocations.transport = loc;
      else if (head !== undefined && head !== "name" && head !== "settings")
        keyLocations[`options.${head}`] ??= loc;
    }
    const refs: EnvRefFound[] = [];
    collectEnvRefs(settings, refs, (path) => isSecretSetting(transport, path));
    collectEnvRefs(options, refs);
    const envUses = refs.map((r, i) => {
      const loc = span.envKeys.filter((e) => e.key === r.key)[
        refs.slice(0, i).filter((x) => x.key === r.key).length
      ];
      return { ...r, location: loc?.location ?? headerLoc };
    });
    for (const u of envUses) {
      if (u.cast !== undefined && !ENV_CASTS.includes(u.cast)) {
        entryProblem(
          `${kind} "${name}": unknown cast "${u.cast}" for env "${u.key}"`,
          u.location,
          `Use one of: ${ENV_CASTS.join(", ")}.`,
        );
      }
    }
    const conn: TomlConnection = {
      kind,
      name,
      transport,
      settings: toSetting(settings) as Record<string, SettingValue>,
      options,
      location: span.keys.name ?? headerLoc,
      declaration,
      keyLocations,
      envUses,
    };
    if (kind === "inbound" && typeof raw.router === "string") {
      conn.router = { name: raw.router, location: span.keys.router ?? headerLoc };
    }
    connections.push(conn);
  }
  return { connections, problems };
}
