/**
 * Code sets in the language server: the files under codesets/ (read with the shared reader the engine's
 * loader uses, so a duplicate code or a bad CSV row is flagged exactly as the loader would refuse it) and
 * the `codeSet("name")` calls in modules (unknown names → a problem with "did you mean").
 */
import {
  CODESET_FORMATS,
  type CodeSetFormat,
  codeSetFileName,
  codeSetTable,
  readCodeSetText,
  type SourceLocation,
  suggest,
} from "messagefoundry/graph";
import type { FileProblem } from "./facts.js";
import { LineIndex } from "./text.js";

/** One codesets/<name>.<format> file as the language server sees it. */
export interface CodeSetInfo {
  name: string;
  /** Config-relative path, e.g. `codesets/abnormal_flags.toml`. */
  file: string;
  format: CodeSetFormat;
  /** Codes in the table (the default row not counted); 0 when the file has problems. */
  size: number;
  default?: string;
  problems: FileProblem[];
}

/** A `codeSet("name")` call's name literal. */
export interface CodeSetUse {
  name: string;
  location: SourceLocation;
}

export function isCodeSetFile(rel: string): boolean {
  return (
    rel.startsWith("codesets/") && !rel.slice(9).includes("/") && codeSetFileName(rel.slice(9)) !== undefined
  );
}

export function readCodeSetFile(file: string, text: string): CodeSetInfo {
  const id = codeSetFileName(file.slice("codesets/".length)) ?? { name: file, format: "toml" as const };
  const r = readCodeSetText(id.format, text);
  const index = new LineIndex(text);
  const problems: FileProblem[] = r.problems.map((p) => {
    const start = index.offset({ line: p.line - 1, character: p.column - 1 });
    const lineEnd = index.offset({ line: p.line, character: 0 });
    const end = Math.max(start, text.slice(start, lineEnd).replace(/\r?\n$/, "").length + start);
    return {
      code: "MF-CODESET",
      severity: "error",
      message: p.message,
      location: index.location(file, start, end),
    };
  });
  const info: CodeSetInfo = { name: id.name, file, format: id.format, size: 0, problems };
  if (problems.length === 0) {
    const t = codeSetTable(r.rows);
    info.size = t.map.size;
    if (t.default !== undefined) info.default = t.default;
  }
  return info;
}

/**
 * The code set each name resolves to, as the loader picks it: the first of .toml, .json, .csv. A name
 * with several files gets a problem on the ones the loader never reads.
 */
export function resolveCodeSets(files: readonly CodeSetInfo[]): {
  byName: Map<string, CodeSetInfo>;
  problems: FileProblem[];
} {
  const byName = new Map<string, CodeSetInfo>();
  const problems: FileProblem[] = [];
  const order = (f: CodeSetInfo) => CODESET_FORMATS.indexOf(f.format);
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name) || order(a) - order(b))) {
    const first = byName.get(f.name);
    if (!first) {
      byName.set(f.name, f);
      continue;
    }
    problems.push({
      code: "MF-CODESET",
      severity: "warning",
      message: `code set "${f.name}" also has ${first.file}, which the engine reads instead of this file: delete or rename one of them`,
      location: { file: f.file, line: 1, column: 1, endLine: 1, endColumn: 1 },
    });
  }
  return { byName, problems };
}

/** `codeSet("name")` calls whose name has no file under codesets/. */
export function unknownCodeSetUses(
  uses: readonly CodeSetUse[],
  known: ReadonlyMap<string, CodeSetInfo>,
): FileProblem[] {
  return uses
    .filter((u) => !known.has(u.name))
    .map((u) => {
      const near = suggest(u.name, known.keys());
      return {
        code: "MF-UNKNOWN-CODESET",
        severity: "error",
        message:
          `code set "${u.name}" not found (no codesets/${u.name}.toml|json|csv)` +
          (near ? `: did you mean "${near}"?` : ": create it with MessageFoundry: New Code Set"),
        location: u.location,
      };
    });
}

/** Hover text for a code set name. */
export function describeCodeSet(name: string, info: CodeSetInfo | undefined): string {
  const lines = [`**code set** \`${name}\``, ""];
  if (!info) {
    lines.push(`No file codesets/${name}.toml|json|csv in this config.`);
    return lines.join("\n");
  }
  lines.push(`\`${info.file}\``, "");
  if (info.problems.length > 0) {
    lines.push(`The file has ${info.problems.length} problem(s): the engine will not load it.`);
    return lines.join("\n");
  }
  lines.push(`${info.size} code${info.size === 1 ? "" : "s"}`, "");
  lines.push(
    info.default !== undefined
      ? `Default (row \`*\`): \`${info.default}\``
      : "No default row (`*`): an unmapped code maps to itself",
  );
  return lines.join("\n");
}
