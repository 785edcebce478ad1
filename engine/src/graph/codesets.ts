/**
 * Code set files (codesets/<name>.toml|json|csv): the one reader used by the engine's loader, the language
 * server and the code set editor, so all three agree on what a file means and what is wrong with it.
 *
 * A code set maps codes to values. Every format is flat and holds one optional default row whose code is
 * `*` (DEFAULT_CODE): the value for codes not in the table.
 *   TOML  `H = "High"` per line, `"*" = "Unknown"` for the default (comments kept by the editor);
 *   JSON  one object of strings, `{ "H": "High", "*": "Unknown" }`;
 *   CSV   RFC 4180 with the header `code,value`, then `H,High` and `*,Unknown` (quoted fields may hold
 *         commas, quotes doubled, and line breaks; CRLF or LF).
 * A code that appears twice is an error in every format (never "the later one wins"), as is a CSV row
 * without exactly two fields or a TOML/JSON value that is not text, a number or a boolean.
 *
 * Pure: never throws; returns the rows and a list of positioned problems (empty = the file is good).
 */
import { parse as parseToml, TomlError } from "smol-toml";

export type CodeSetFormat = "toml" | "json" | "csv";
export const CODESET_FORMATS: readonly CodeSetFormat[] = ["toml", "json", "csv"];

/** The code of the default row, the same in every format. */
export const DEFAULT_CODE = "*";

/** Names a code set may have (its file name without the extension). */
export const CODESET_NAME_RE = /^[A-Za-z0-9_.-]+$/;

export interface CodeSetRow {
  code: string;
  value: string;
  /** 1-based line where the row starts. */
  line: number;
  /** The row's text in the file [start, end) (UTF-16 offsets; CSV and JSON only, TOML: the key/value line). */
  start: number;
  end: number;
}

export interface CodeSetProblem {
  /** What is wrong and what to do, e.g. `code "H" appears twice (first at line 3): keep one row`. */
  message: string;
  line: number;
  column: number;
}

export interface CodeSetText {
  format: CodeSetFormat;
  /** Every row in file order, the default row (`*`) included. */
  rows: CodeSetRow[];
  problems: CodeSetProblem[];
}

/** `abnormal_flags.csv` → `{ name: "abnormal_flags", format: "csv" }`; undefined for other files. */
export function codeSetFileName(fileName: string): { name: string; format: CodeSetFormat } | undefined {
  const m = /^(.+)\.(toml|json|csv)$/.exec(fileName);
  if (!m?.[1] || !m[2] || !CODESET_NAME_RE.test(m[1])) return undefined;
  return { name: m[1], format: m[2] as CodeSetFormat };
}

function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Reads a code set file's text. Never throws. */
export function readCodeSetText(format: CodeSetFormat, text: string): CodeSetText {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const shift = text.length - body.length;
  const r = format === "csv" ? readCsv(body) : format === "json" ? readJson(body) : readToml(body);
  if (shift > 0)
    for (const row of r.rows) Object.assign(row, { start: row.start + shift, end: row.end + shift });
  const problems = [...r.problems, ...duplicates(r.rows)].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  );
  return { format, rows: r.rows, problems };
}

function duplicates(rows: readonly CodeSetRow[]): CodeSetProblem[] {
  const first = new Map<string, CodeSetRow>();
  const out: CodeSetProblem[] = [];
  for (const row of rows) {
    const seen = first.get(row.code);
    if (!seen) {
      first.set(row.code, row);
      continue;
    }
    out.push(duplicate(row.code, seen.line, row.line));
  }
  return out;
}

function duplicate(code: string, firstLine: number, line: number): CodeSetProblem {
  const what = code === DEFAULT_CODE ? "the default row (code *)" : `code "${code}"`;
  return {
    message: `${what} appears twice (first at line ${firstLine}): keep one row — each code maps to one value`,
    line,
    column: 1,
  };
}

/** The lookup view of a good file: codes → values, and the default (row `*`) apart. */
export function codeSetTable(rows: readonly CodeSetRow[]): { map: Map<string, string>; default?: string } {
  const map = new Map<string, string>();
  let def: string | undefined;
  for (const r of rows) {
    if (r.code === DEFAULT_CODE) def ??= r.value;
    else if (!map.has(r.code)) map.set(r.code, r.value);
  }
  return def === undefined ? { map } : { map, default: def };
}

// ---- CSV (RFC 4180) ----

/** One CSV record: its fields and where it sits. */
export interface CsvRecord {
  fields: string[];
  start: number;
  /** End of the record's text, before its line break. */
  end: number;
  line: number;
}

/**
 * RFC 4180 records: fields split by commas, a field in double quotes may hold commas, line breaks and
 * doubled quotes (`""`). Records end at CRLF or LF. Problems: a quote inside an unquoted field, text after
 * a closing quote, an unterminated quoted field.
 */
export function parseCsv(text: string): { records: CsvRecord[]; problems: CodeSetProblem[] } {
  const records: CsvRecord[] = [];
  const problems: CodeSetProblem[] = [];
  const problem = (offset: number, message: string) => problems.push({ message, ...lineCol(text, offset) });
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const start = i;
    const startLine = line;
    const fields: string[] = [];
    let field = "";
    let end = text.length;
    for (;;) {
      if (text[i] === '"') {
        const open = i;
        i++;
        let closed = false;
        while (i < text.length) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === "\n") line++;
          field += c;
          i++;
        }
        if (!closed)
          problem(open, 'a quoted field is never closed: add the closing " (write a quote inside as "")');
        else if (i < text.length && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          problem(
            i,
            'text after a closing quote: put the whole field in quotes and write a quote inside as ""',
          );
          while (i < text.length && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r")
            field += text[i++];
        }
      } else {
        while (
          i < text.length &&
          text[i] !== "," &&
          text[i] !== "\n" &&
          !(text[i] === "\r" && text[i + 1] === "\n")
        ) {
          if (text[i] === '"')
            problem(i, 'a quote inside an unquoted field: put the field in quotes and double the quote ("")');
          field += text[i++];
        }
      }
      fields.push(field);
      field = "";
      if (text[i] === ",") {
        i++;
        continue;
      }
      end = i;
      if (text[i] === "\r" && text[i + 1] === "\n") i += 2;
      else if (text[i] === "\n" || text[i] === "\r") i++;
      if (i > end) line++;
      break;
    }
    records.push({ fields, start, end, line: startLine });
  }
  return { records, problems };
}

function readCsv(text: string): { rows: CodeSetRow[]; problems: CodeSetProblem[] } {
  const { records, problems } = parseCsv(text);
  const rows: CodeSetRow[] = [];
  const data = records.filter((r) => !(r.fields.length === 1 && r.fields[0] === ""));
  const header = data[0];
  if (!header) {
    problems.push({
      message: "the file is empty: start it with the header line code,value",
      line: 1,
      column: 1,
    });
    return { rows, problems };
  }
  const names = header.fields.map((f) => f.trim().toLowerCase());
  if (names.length !== 2 || names[0] !== "code" || names[1] !== "value") {
    problems.push({
      message: `the first line must be the header code,value (found ${JSON.stringify(header.fields.join(","))})`,
      line: header.line,
      column: 1,
    });
    return { rows, problems };
  }
  for (const r of data.slice(1)) {
    if (r.fields.length !== 2) {
      problems.push({
        message: `a row needs exactly two fields, code and value (found ${r.fields.length}): put a field that holds a comma in double quotes`,
        line: r.line,
        column: 1,
      });
      continue;
    }
    rows.push({
      code: r.fields[0] ?? "",
      value: r.fields[1] ?? "",
      line: r.line,
      start: r.start,
      end: r.end,
    });
  }
  return { rows, problems: [...problems, ...emptyCodes(rows)] };
}

function emptyCodes(rows: readonly CodeSetRow[]): CodeSetProblem[] {
  return rows
    .filter((r) => r.code === "")
    .map((r) => ({ message: "a row has no code: give it one or delete the row", line: r.line, column: 1 }));
}

// ---- JSON ----

/** A flat JSON object of string (number, boolean) values, keys kept in order with duplicates reported. */
function readJson(text: string): { rows: CodeSetRow[]; problems: CodeSetProblem[] } {
  const rows: CodeSetRow[] = [];
  // A file that does not parse has no rows (as with TOML): the editor refuses edits until it is fixed.
  const fail = (offset: number, message: string) => ({
    rows: [],
    problems: [{ message, ...lineCol(text, offset) }],
  });
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] ?? "")) i++;
  };
  const str = (): string | undefined => {
    const start = i;
    if (text[i] !== '"') return undefined;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) return undefined;
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return undefined;
    }
  };
  ws();
  if (text[i] !== "{")
    return fail(i, 'a JSON code set is one object of codes to values, e.g. { "H": "High" }');
  i++;
  ws();
  if (text[i] === "}") {
    i++;
  } else {
    for (;;) {
      ws();
      const keyStart = i;
      const code = str();
      if (code === undefined) return fail(keyStart, "expected a code in double quotes");
      ws();
      if (text[i] !== ":") return fail(i, 'expected ":" after the code');
      i++;
      ws();
      const valueStart = i;
      let value: string;
      if (text[i] === '"') {
        const v = str();
        if (v === undefined)
          return fail(valueStart, "a value in double quotes is not closed or has a bad escape");
        value = v;
      } else {
        const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false)/.exec(text.slice(i));
        if (!m)
          return fail(
            valueStart,
            `the value of "${code}" must be text (in double quotes), a number or true/false`,
          );
        i += m[0].length;
        value = String(JSON.parse(m[0]));
      }
      rows.push({ code, value, line: lineCol(text, keyStart).line, start: keyStart, end: i });
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        break;
      }
      return fail(i, 'expected "," or "}" after a value');
    }
  }
  ws();
  if (i < text.length) return fail(i, "text after the closing }");
  return { rows, problems: [] };
}

// ---- TOML ----

const TOML_KEY = /^[ \t]*("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z0-9_-]+)[ \t]*=/;

/** `code = "value"` lines; where each top-level key sits comes from a line scan, values from smol-toml. */
function readToml(text: string): { rows: CodeSetRow[]; problems: CodeSetProblem[] } {
  const problems: CodeSetProblem[] = [];
  const at = new Map<string, { line: number; start: number; end: number }[]>();
  let offset = 0;
  let lineNo = 0;
  for (const line of text.split("\n")) {
    lineNo++;
    const start = offset;
    offset += line.length + 1;
    if (/^[ \t]*\[/.test(line)) {
      problems.push({
        message: `a code set is flat: write code = "value" lines, not tables (${line.trim()})`,
        line: lineNo,
        column: 1,
      });
      continue;
    }
    const m = TOML_KEY.exec(line);
    if (!m?.[1]) continue;
    const raw = m[1];
    let key = raw;
    if (raw.startsWith('"')) {
      try {
        key = JSON.parse(raw) as string;
      } catch {
        continue;
      }
    } else if (raw.startsWith("'")) key = raw.slice(1, -1);
    const list = at.get(key) ?? [];
    list.push({ line: lineNo, start, end: start + line.replace(/\r$/, "").length });
    at.set(key, list);
  }
  for (const [code, list] of at)
    for (const l of list.slice(1)) problems.push(duplicate(code, list[0]?.line ?? 1, l.line));
  if (problems.length > 0) return { rows: [], problems };
  let data: Record<string, unknown>;
  try {
    data = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const line = e instanceof TomlError ? e.line : 1;
    const column = e instanceof TomlError ? e.column : 1;
    const first = (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
    return { rows: [], problems: [{ message: first.replace(/^Invalid TOML document: /, ""), line, column }] };
  }
  const valueRows: CodeSetRow[] = [];
  for (const [code, v] of Object.entries(data)) {
    const place = at.get(code)?.[0] ?? { line: 1, start: 0, end: 0 };
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean" && typeof v !== "bigint") {
      problems.push({
        message: `the value of "${code}" must be text (in double quotes), a number or true/false`,
        line: place.line,
        column: 1,
      });
      continue;
    }
    valueRows.push({ code, value: String(v), ...place });
  }
  valueRows.sort((a, b) => a.line - b.line);
  return { rows: valueRows, problems };
}
