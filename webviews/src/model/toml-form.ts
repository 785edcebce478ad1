/**
 * connections.toml ↔ form model. Reading uses smol-toml (positioned syntax errors); writing applies an
 * edit intent to the data and lets @decimalturn/toml-patch rewrite only what changed, keeping comments
 * and layout; the result is returned as one minimal text replacement the host turns into a WorkspaceEdit.
 * Pure (no vscode, no DOM); used by the extension host and unit-tested in Node.
 */
import { patch, parse as patchParse } from "@decimalturn/toml-patch";
import type { SettingValue } from "messagefoundry/graph";
import { parse, TomlError } from "smol-toml";
import type {
  ConnectionsDocument,
  Direction,
  DocumentProblem,
  EditIntent,
  FormConnection,
} from "../protocol/connectionsEditor.js";

/** Replace [start, end) of the old text with `newText` (UTF-16 offsets). */
export interface TextReplacement {
  start: number;
  end: number;
  newText: string;
}

export class TomlFormError extends Error {
  override name = "TomlFormError";
}

const DIRECTIONS: readonly Direction[] = ["inbound", "outbound"];

/** Converts what smol-toml returns (dates, bigints) into the JSON-safe SettingValue shape. */
function toSetting(value: unknown): SettingValue {
  if (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean"
  ) {
    return value;
  }
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toSetting);
  if (typeof value === "object") {
    const out: Record<string, SettingValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toSetting(v);
    return out;
  }
  return String(value);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** 1-based lines of each `[[inbound]]` / `[[outbound]]` header, in order. */
function headerLines(text: string): Record<Direction, number[]> {
  const out: Record<Direction, number[]> = { inbound: [], outbound: [] };
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /^\s*\[\[\s*(inbound|outbound)\s*\]\]/.exec(line);
    if (m) out[m[1] as Direction].push(i + 1);
  });
  return out;
}

/** Document text → form model. Never throws: syntax and shape problems come back positioned. */
export function readConnections(text: string): ConnectionsDocument {
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const message = e.message.split("\n", 1)[0] ?? e.message;
      return { connections: [], problems: [{ message, line: e.line, column: e.column }] };
    }
    throw e;
  }
  const lines = headerLines(text);
  const connections: FormConnection[] = [];
  const problems: DocumentProblem[] = [];
  for (const direction of DIRECTIONS) {
    const list = data[direction];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push({
        message: `"${direction}" must be an array of tables ([[${direction}]])`,
        line: 1,
        column: 1,
      });
      continue;
    }
    list.forEach((entry, index) => {
      const line = lines[direction][index] ?? 1;
      if (!isTable(entry)) {
        problems.push({ message: `${direction} entry ${index + 1} is not a table`, line, column: 1 });
        return;
      }
      const { name, transport, settings, ...rest } = entry;
      const fields: Record<string, SettingValue> = {};
      for (const [k, v] of Object.entries(rest)) fields[k] = toSetting(v);
      connections.push({
        direction,
        index,
        name: typeof name === "string" ? name : "",
        transport: typeof transport === "string" ? transport : "",
        settings: isTable(settings) ? (toSetting(settings) as Record<string, SettingValue>) : {},
        fields,
        line,
      });
    });
  }
  return { connections, problems };
}

function findEntry(
  data: Record<string, unknown>,
  direction: Direction,
  name: string,
): Record<string, unknown> {
  const list = data[direction];
  const entry = Array.isArray(list) ? list.find((e) => isTable(e) && e.name === name) : undefined;
  if (!entry) throw new TomlFormError(`no ${direction} connection named "${name}"`);
  return entry as Record<string, unknown>;
}

function setPath(entry: Record<string, unknown>, path: string[], value: SettingValue | undefined): void {
  if (path.length === 0) throw new TomlFormError("a field path needs at least one key");
  let table = entry;
  for (const key of path.slice(0, -1)) {
    const next = table[key];
    if (next === undefined) {
      if (value === undefined) return;
      table[key] = {};
    } else if (!isTable(next)) {
      throw new TomlFormError(`"${path.join(".")}": "${key}" is not a table`);
    }
    table = table[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete table[last];
  else table[last] = value;
}

/** Applies the intent to the data; mutates `data`. */
function applyToData(data: Record<string, unknown>, intent: EditIntent): void {
  const { direction } = intent;
  switch (intent.kind) {
    case "upsertConnection": {
      const entry: Record<string, unknown> = {
        name: intent.name,
        transport: intent.transport,
        ...intent.fields,
        settings: intent.settings,
      };
      const list = Array.isArray(data[direction]) ? (data[direction] as unknown[]) : [];
      const at = list.findIndex((e) => isTable(e) && e.name === intent.name);
      if (at >= 0) list[at] = entry;
      else list.push(entry);
      data[direction] = list;
      return;
    }
    case "removeConnection": {
      const list = data[direction];
      const entry = findEntry(data, direction, intent.name);
      const rest = (list as unknown[]).filter((e) => e !== entry);
      // An empty array would be written as `inbound = []`; drop the key instead.
      if (rest.length === 0) delete data[direction];
      else data[direction] = rest;
      return;
    }
    case "renameConnection": {
      const list = data[direction] as unknown[] | undefined;
      if (list?.some((e) => isTable(e) && e.name === intent.newName)) {
        throw new TomlFormError(`another ${direction} connection is already named "${intent.newName}"`);
      }
      findEntry(data, direction, intent.name).name = intent.newName;
      return;
    }
    case "setField":
      setPath(findEntry(data, direction, intent.name), intent.path, intent.value);
      return;
    case "removeField":
      setPath(findEntry(data, direction, intent.name), intent.path, undefined);
      return;
  }
}

/** The smallest single replacement turning `before` into `after` (common prefix and suffix kept). */
export function minimalReplacement(before: string, after: string): TextReplacement {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (
    tail < max - start &&
    before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)
  ) {
    tail++;
  }
  return { start, end: before.length - tail, newText: after.slice(start, after.length - tail) };
}

/**
 * Form edit → new document text, keeping comments and layout. Throws TomlFormError when the document
 * does not parse (edits are refused until the text is fixed) or the intent names a missing connection.
 */
export function applyIntentToText(text: string, intent: EditIntent): string {
  const read = readConnections(text);
  const first = read.problems[0];
  if (first)
    throw new TomlFormError(
      `connections.toml has a problem at ${first.line}:${first.column}: ${first.message}`,
    );
  const data = patchParse(text) as Record<string, unknown>;
  applyToData(data, intent);
  const next = patch(text, data);
  return next;
}

/** Form edit → one minimal replacement of the old text (empty `newText` and start === end: no change). */
export function applyIntent(text: string, intent: EditIntent): TextReplacement {
  return minimalReplacement(text, applyIntentToText(text, intent));
}
