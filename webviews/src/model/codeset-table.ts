/**
 * Code set file ↔ grid model. Reading is messagefoundry/graph's `readCodeSetText` (the reader the
 * engine's loader and the language server use); writing applies a grid edit to the text of the file's own
 * format and returns one minimal replacement for the host's WorkspaceEdit:
 *   TOML  line edits: other lines, comments (a row's trailing comment too) and blank lines stay as they are;
 *   CSV   RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; the file's line
 *         ending (CRLF or LF) is kept, and untouched rows keep their exact text;
 *   JSON  one object, untouched entries keep their text, the file's indentation is kept.
 * Pure (no vscode, no DOM); used by the extension host and unit-tested in Node.
 */
import {
  type CodeSetFormat,
  type CodeSetRow,
  codeSetFileName,
  DEFAULT_CODE,
  readCodeSetText,
} from "messagefoundry/graph";
import type { CodeSetDocument, CodeSetIntent } from "../protocol/codeSetEditor.js";
import { minimalReplacement, type TextReplacement } from "./toml-form.js";

export class CodeSetEditError extends Error {
  override name = "CodeSetEditError";
}

/** `codesets/abnormal_flags.toml` (or a full path) → its name and format; undefined for other files. */
export function codeSetOfPath(path: string): { name: string; format: CodeSetFormat } | undefined {
  return codeSetFileName(path.slice(path.replace(/\\/g, "/").lastIndexOf("/") + 1));
}

export function readCodeSetDocument(name: string, format: CodeSetFormat, text: string): CodeSetDocument {
  const r = readCodeSetText(format, text);
  const doc: CodeSetDocument = { name, format, rows: [], problems: r.problems };
  for (const row of r.rows) {
    if (row.code === DEFAULT_CODE) doc.default ??= { value: row.value, line: row.line };
    else doc.rows.push({ code: row.code, value: row.value, line: row.line });
  }
  return doc;
}

const eolOf = (text: string) => (text.includes("\r\n") ? "\r\n" : "\n");

/** Grid edit → the new file text. Throws CodeSetEditError (the text unchanged) when it cannot apply. */
export function applyCodeSetIntentToText(format: CodeSetFormat, text: string, intent: CodeSetIntent): string {
  const r = readCodeSetText(format, text);
  const first = r.problems[0];
  if (first)
    throw new CodeSetEditError(
      `The file has a problem at line ${first.line}: ${first.message}. Fix it in the text editor first.`,
    );
  const rows = r.rows;
  const find = (code: string) => rows.find((x) => x.code === code);
  const taken = (code: string) => {
    if (code === "") throw new CodeSetEditError("A row needs a code.");
    if (code === DEFAULT_CODE)
      throw new CodeSetEditError('The code * is the default row: set it with "Default value" instead.');
    if (find(code))
      throw new CodeSetEditError(`The code "${code}" is already in the table: each code maps to one value.`);
  };
  let op: Op;
  switch (intent.kind) {
    case "addRow":
      taken(intent.code);
      op = { kind: "add", code: intent.code, value: intent.value };
      break;
    case "editRow": {
      const row = find(intent.code);
      if (!row || intent.code === DEFAULT_CODE)
        throw new CodeSetEditError(`No row with the code "${intent.code}".`);
      if (intent.newCode !== intent.code) taken(intent.newCode);
      op = { kind: "replace", row, code: intent.newCode, value: intent.value };
      break;
    }
    case "deleteRow": {
      const row = find(intent.code);
      if (!row) throw new CodeSetEditError(`No row with the code "${intent.code}".`);
      op = { kind: "delete", row };
      break;
    }
    case "setDefault": {
      const row = find(DEFAULT_CODE);
      if (intent.value === null) {
        if (!row) return text;
        op = { kind: "delete", row };
      } else
        op = row
          ? { kind: "replace", row, code: DEFAULT_CODE, value: intent.value }
          : { kind: "add", code: DEFAULT_CODE, value: intent.value };
      break;
    }
  }
  if (format === "toml") return editToml(text, op);
  if (format === "csv") return editCsv(text, rows, op);
  return editJson(text, rows, op);
}

/** Grid edit → one minimal replacement of the old text (start === end and no text: nothing changes). */
export function applyCodeSetIntent(
  format: CodeSetFormat,
  text: string,
  intent: CodeSetIntent,
): TextReplacement {
  return minimalReplacement(text, applyCodeSetIntentToText(format, text, intent));
}

type Op =
  | { kind: "add"; code: string; value: string }
  | { kind: "replace"; row: CodeSetRow; code: string; value: string }
  | { kind: "delete"; row: CodeSetRow };

// ---- TOML ----

const tomlKey = (code: string) => (/^[A-Za-z0-9_-]+$/.test(code) ? code : tomlString(code));

/** A TOML basic string: JSON's escapes are TOML's, plus DEL, which TOML requires escaped. */
function tomlString(s: string): string {
  return JSON.stringify(s).replace(/\x7f/g, "\\u007F");
}

/** Where the value that starts at `i` ends on its line (a basic/literal string, or a bare token). */
function tomlValueEnd(line: string, i: number): number {
  const q = line[i];
  if (q === '"' || q === "'") {
    if (line.startsWith(q.repeat(3), i))
      throw new CodeSetEditError("This row's value spans several lines: edit it in the text editor.");
    let j = i + 1;
    while (j < line.length && line[j] !== q) j += q === '"' && line[j] === "\\" ? 2 : 1;
    return Math.min(j + 1, line.length);
  }
  let j = i;
  while (j < line.length && !/[\s#]/.test(line[j] ?? "")) j++;
  return j;
}

function editToml(text: string, op: Op): string {
  const eol = eolOf(text);
  if (op.kind === "add") {
    const lead = text === "" || text.endsWith("\n") ? "" : eol;
    return `${text}${lead}${tomlKey(op.code)} = ${tomlString(op.value)}${eol}`;
  }
  const { start, end } = op.row;
  if (op.kind === "delete") {
    const next = text.indexOf("\n", end);
    return text.slice(0, start) + text.slice(next < 0 ? text.length : next + 1);
  }
  const line = text.slice(start, end);
  const eq = line.indexOf("=");
  const valueStart = eq + 1 + (/^[ \t]*/.exec(line.slice(eq + 1))?.[0].length ?? 0);
  const rest = line.slice(tomlValueEnd(line, valueStart)); // a trailing comment stays
  const indent = /^[ \t]*/.exec(line)?.[0] ?? "";
  return `${text.slice(0, start)}${indent}${tomlKey(op.code)} = ${tomlString(op.value)}${rest}${text.slice(end)}`;
}

// ---- CSV ----

/** One RFC 4180 field: quoted only when it must be. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function editCsv(text: string, rows: CodeSetRow[], op: Op): string {
  const eol = eolOf(text);
  const header = /^[^\r\n]*/.exec(text)?.[0] ?? "code,value";
  const lines = rows.map((r) => text.slice(r.start, r.end));
  const encode = (code: string, value: string) => `${csvField(code)},${csvField(value)}`;
  if (op.kind === "add") lines.push(encode(op.code, op.value));
  else {
    const i = rows.indexOf(op.row);
    if (op.kind === "delete") lines.splice(i, 1);
    else lines[i] = encode(op.code, op.value);
  }
  return [header, ...lines].join(eol) + eol;
}

// ---- JSON ----

function editJson(text: string, rows: CodeSetRow[], op: Op): string {
  const eol = eolOf(text);
  const firstRow = rows[0];
  const indent = firstRow ? (/[ \t]*$/.exec(text.slice(0, firstRow.start))?.[0] ?? "  ") : "  ";
  const entries = rows.map((r) => text.slice(r.start, r.end));
  const encode = (code: string, value: string) => `${JSON.stringify(code)}: ${JSON.stringify(value)}`;
  if (op.kind === "add") entries.push(encode(op.code, op.value));
  else {
    const i = rows.indexOf(op.row);
    if (op.kind === "delete") entries.splice(i, 1);
    else entries[i] = encode(op.code, op.value);
  }
  const body = entries.length ? `${eol}${entries.map((e) => indent + e).join(`,${eol}`)}${eol}` : "";
  return `{${body}}${eol}`;
}
