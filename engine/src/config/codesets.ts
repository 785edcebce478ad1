/**
 * Code sets: small lookup tables under codesets/<name>.(toml|json|csv) in the config dir, read with the
 * shared reader (messagefoundry/graph `readCodeSetText`, the same the language server and the editor use).
 * A file with any problem (a duplicate code, a bad CSV row) does not load: the error names file, line and
 * the fix. While a traced dry run is active, every lookup is recorded (`withCodeSetTrace`).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CODESET_FORMATS,
  CODESET_NAME_RE,
  codeSetFileName,
  codeSetTable,
  readCodeSetText,
} from "../graph/codesets.js";
import type { Problem } from "../graph/index.js";
import type { CodeSet } from "./types.js";

export class CodeSetError extends Error {
  override name = "CodeSetError";
}

/** One lookup through a code set while tracing (`dryrun --trace`). */
export interface CodeSetLookupEvent {
  codeSet: string;
  code: string;
  /** What the lookup returned (undefined: `get` of a code not in the table). */
  value: string | undefined;
  /** Where the value came from: the table, the set's default row (`*`), the caller's fallback, or the code itself. */
  source: "table" | "default" | "fallback" | "code" | "none";
}

const tracing = new AsyncLocalStorage<(e: CodeSetLookupEvent) => void>();

/** Runs `fn` with every code set lookup inside it (sync or async) reported to `sink`. */
export function withCodeSetTrace<T>(sink: (e: CodeSetLookupEvent) => void, fn: () => T): T {
  return tracing.run(sink, fn);
}

function build(name: string, map: Map<string, string>, def: string | undefined): CodeSet {
  const report = (code: string, value: string | undefined, source: CodeSetLookupEvent["source"]) =>
    tracing.getStore()?.({ codeSet: name, code, value, source });
  return {
    name,
    size: map.size,
    default: def,
    get: (code) => {
      const v = map.get(code);
      report(code, v, v === undefined ? "none" : "table");
      return v;
    },
    has: (code) => map.has(code),
    map: (code, fallback) => {
      const v = map.get(code);
      if (v !== undefined) report(code, v, "table");
      else if (fallback !== undefined) report(code, fallback, "fallback");
      else if (def !== undefined) report(code, def, "default");
      else report(code, code, "code");
      return v ?? fallback ?? def ?? code;
    },
    entries: () => [...map.entries()],
  };
}

export function loadCodeSet(configDir: string, name: string): CodeSet {
  if (!CODESET_NAME_RE.test(name)) throw new CodeSetError(`invalid code set name "${name}"`);
  for (const ext of CODESET_FORMATS) {
    const rel = `codesets/${name}.${ext}`;
    const file = join(configDir, "codesets", `${name}.${ext}`);
    if (!existsSync(file)) continue;
    const r = readCodeSetText(ext, readFileSync(file, "utf8"));
    const first = r.problems[0];
    if (first) {
      const more = r.problems.length > 1 ? ` (and ${r.problems.length - 1} more problem(s) in the file)` : "";
      throw new CodeSetError(`${rel}:${first.line}: ${first.message}${more}`);
    }
    const t = codeSetTable(r.rows);
    return build(name, t.map, t.default);
  }
  throw new CodeSetError(`code set "${name}" not found (looked for codesets/${name}.toml|json|csv)`);
}

/**
 * Every problem of every file under codesets/ (MF-CODESET), used or not, so `validate` reports a duplicate
 * code in a set no module has loaded yet, positioned at its line.
 */
export function codeSetProblems(configDir: string): Problem[] {
  const dir = join(configDir, "codesets");
  if (!existsSync(dir)) return [];
  const out: Problem[] = [];
  for (const name of readdirSync(dir).sort()) {
    const id = codeSetFileName(name);
    if (!id) continue;
    let text: string;
    try {
      text = readFileSync(join(dir, name), "utf8");
    } catch {
      continue; // a folder or an unreadable file: not a code set the loader would read either
    }
    for (const p of readCodeSetText(id.format, text).problems)
      out.push({
        code: "MF-CODESET",
        severity: "error",
        message: `codesets/${name}: ${p.message}`,
        location: {
          file: `codesets/${name}`,
          line: p.line,
          column: p.column,
          endLine: p.line,
          endColumn: p.column,
        },
      });
  }
  return out;
}
