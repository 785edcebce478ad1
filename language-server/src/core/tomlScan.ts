/**
 * Positions for TOML keys and values. smol-toml gives values but no positions, so this scanner walks
 * the text line by line and records, for each key path (e.g. `inbound.0.settings.port`), the span of
 * the key and of its value. It is tolerant: lines it does not understand are skipped.
 */

export interface KeySpan {
  /** Path segments; array-of-tables entries are numbered (`inbound`, `0`, `settings`, `port`). */
  path: string[];
  keyStart: number;
  keyEnd: number;
  /** Value span; for strings, the content without quotes. */
  valueStart: number;
  valueEnd: number;
}

export interface TableSpan {
  path: string[];
  /** Offset of the `[[inbound]]` / `[inbound.settings]` header. */
  start: number;
  headerEnd: number;
  /** End of the table's last line (before the next header). */
  end: number;
}

export interface TomlScan {
  keys: KeySpan[];
  tables: TableSpan[];
  /** Keys by their joined path (`inbound.0.settings.port`), for constant-time lookups. */
  byPath: Map<string, KeySpan>;
}

const BARE = /[A-Za-z0-9_-]/;

export function scanToml(text: string): TomlScan {
  const keys: KeySpan[] = [];
  const tables: TableSpan[] = [];
  const counts = new Map<string, number>();
  let prefix: string[] = [];
  let lineStart = 0;
  let current: TableSpan | undefined;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const first = skipWs(text, lineStart, lineEnd);
    let i = first;
    const c = text[i];
    if (c === "[") {
      const arr = text[i + 1] === "[";
      const close = text.indexOf(arr ? "]]" : "]", i);
      if (close > 0 && close < lineEnd) {
        const names = splitDotted(text.slice(i + (arr ? 2 : 1), close));
        if (arr) {
          const key = names.join(".");
          const n = counts.get(key) ?? 0;
          counts.set(key, n + 1);
          prefix = [...names, String(n)];
        } else {
          // `[inbound.settings]` after `[[inbound]]` belongs to the last inbound entry.
          prefix = resolveTable(names, counts);
        }
        current = { path: prefix, start: i, headerEnd: close + (arr ? 2 : 1), end: lineEnd };
        tables.push(current);
      }
    } else if (c !== undefined && c !== "#" && i < lineEnd) {
      i = scanPair(text, i, lineEnd, prefix, keys);
    }
    // A table ends at its last non-blank line (blank lines and the next header are not part of it).
    if (current && first < lineEnd && text[first] !== "#")
      current.end = lineEnd > 0 && text[lineEnd - 1] === "\r" ? lineEnd - 1 : lineEnd;
    lineStart = lineEnd + 1;
  }
  const byPath = new Map<string, KeySpan>();
  for (const k of keys) if (!byPath.has(k.path.join("."))) byPath.set(k.path.join("."), k);
  return { keys, tables, byPath };
}

function resolveTable(names: string[], counts: Map<string, number>): string[] {
  const out: string[] = [];
  for (const name of names) {
    out.push(name);
    const n = counts.get(out.filter((s) => !/^\d+$/.test(s)).join("."));
    if (n !== undefined && n > 0) out.push(String(n - 1));
  }
  return out;
}

function skipWs(text: string, i: number, end: number): number {
  while (i < end && (text[i] === " " || text[i] === "\t" || text[i] === "\r")) i++;
  return i;
}

function splitDotted(s: string): string[] {
  return s
    .split(".")
    .map((p) => p.trim().replace(/^["']|["']$/g, ""))
    .filter((p) => p.length > 0);
}

/** Scans `key = value` starting at i; returns the offset after the value. */
function scanPair(text: string, i: number, end: number, prefix: string[], out: KeySpan[]): number {
  const keyStart = i;
  const path: string[] = [];
  let keyEnd = i;
  for (;;) {
    i = skipWs(text, i, end);
    const q = text[i];
    let seg = "";
    const segStart = i;
    if (q === '"' || q === "'") {
      const close = text.indexOf(q, i + 1);
      if (close < 0 || close > end) return end;
      seg = text.slice(i + 1, close);
      i = close + 1;
    } else {
      while (i < end && BARE.test(text[i] ?? "")) i++;
      seg = text.slice(segStart, i);
    }
    if (!seg) return end;
    path.push(seg);
    keyEnd = i;
    i = skipWs(text, i, end);
    if (text[i] === ".") {
      i++;
      continue;
    }
    break;
  }
  if (text[i] !== "=") return end;
  i = skipWs(text, i + 1, end);
  const full = [...prefix, ...path];
  const span: KeySpan = { path: full, keyStart, keyEnd, valueStart: i, valueEnd: i };
  out.push(span);
  const v = text[i];
  if (v === '"' || v === "'") {
    const close = text.indexOf(v, i + 1);
    const stop = close < 0 || close > end ? end : close;
    span.valueStart = i + 1;
    span.valueEnd = stop;
    return Math.min(stop + 1, end);
  }
  if (v === "{") {
    i++;
    for (;;) {
      i = skipWs(text, i, end);
      if (i >= end || text[i] === "}") break;
      if (text[i] === ",") {
        i++;
        continue;
      }
      const next = scanPair(text, i, end, full, out);
      if (next <= i) break;
      i = next;
    }
    span.valueEnd = Math.min(i + 1, end);
    return span.valueEnd;
  }
  if (v === "[") {
    let depth = 0;
    let j = i;
    for (; j < end; j++) {
      if (text[j] === "[") depth++;
      else if (text[j] === "]" && --depth === 0) break;
    }
    span.valueEnd = Math.min(j + 1, end);
    return span.valueEnd;
  }
  let j = i;
  while (j < end && text[j] !== "," && text[j] !== "}" && text[j] !== "#") j++;
  while (j > i && /\s/.test(text[j - 1] ?? "")) j--;
  span.valueEnd = j;
  return j;
}
