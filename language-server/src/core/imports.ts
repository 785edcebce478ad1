/**
 * Names a module imports from "messagefoundry": the edits that add the missing ones, found with the
 * TypeScript compiler (sorted in as Biome keeps them, or a new import at the top when there is none).
 * One implementation for the language server's quick fixes and Steps edits and the extension's wizards.
 */
import ts from "typescript";
import type { TextEdit } from "./navigation.js";
import { LineIndex } from "./text.js";

/** Replace `[start, end)` of a text (UTF-16 offsets) with `text`: an edit before it has a file and lines. */
export interface OffsetEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * Adds names to the module's `import { … } from "messagefoundry"` (sorted in, as Biome keeps them), or a
 * new import at the top when there is none. No edit for names already imported.
 */
export function addImports(text: string, names: readonly string[]): OffsetEdit[] {
  const sf = ts.createSourceFile("module.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const decl = sf.statements.find(
    (s): s is ts.ImportDeclaration =>
      ts.isImportDeclaration(s) &&
      ts.isStringLiteral(s.moduleSpecifier) &&
      s.moduleSpecifier.text === "messagefoundry" &&
      s.importClause?.namedBindings !== undefined &&
      ts.isNamedImports(s.importClause.namedBindings) &&
      !s.importClause.isTypeOnly,
  );
  const bindings = decl?.importClause?.namedBindings as ts.NamedImports | undefined;
  const have = new Set(bindings?.elements.map((e) => e.name.text) ?? []);
  const missing = [...new Set(names)]
    .filter((n) => !have.has(bare(n)))
    .sort((a, b) => compareNames(a, bare(b)));
  if (missing.length === 0) return [];
  if (!decl || !bindings) {
    // After any leading comment block: the module's header comment stays first.
    const first = sf.statements[0];
    const at = first ? first.getStart(sf) : text.length;
    return [{ start: at, end: at, text: `import { ${missing.join(", ")} } from "messagefoundry";\n` }];
  }
  // Each missing name goes before the first element that sorts after it (case-insensitive, like Biome),
  // else after the last; names bound for one spot become one edit, in order.
  const elements = bindings.elements;
  const spots = new Map<number, string[]>();
  for (const name of missing) {
    const next = elements.findIndex((e) => compareNames(e.name.text, bare(name)) > 0);
    const key = next === -1 ? elements.length : next;
    spots.set(key, [...(spots.get(key) ?? []), name]);
  }
  const edits: OffsetEdit[] = [];
  for (const [index, group] of spots) {
    const next = elements[index];
    const last = elements[elements.length - 1];
    if (next) {
      const pos = next.getStart(sf);
      edits.push({ start: pos, end: pos, text: `${group.join(", ")}, ` });
    } else if (last) {
      edits.push({ start: last.end, end: last.end, text: `, ${group.join(", ")}` });
    } else {
      const pos = bindings.getStart(sf) + 1;
      edits.push({ start: pos, end: pos, text: ` ${group.join(", ")} ` });
    }
  }
  return edits;
}

/** `type RawMessage` → `RawMessage`. */
const bare = (n: string) => n.replace(/^type /, "");

function compareNames(a: string, b: string): number {
  const x = bare(a).toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `addImports` as the language server's located edits of `file`. */
export function importEdits(file: string, text: string, needed: readonly string[]): TextEdit[] {
  const index = new LineIndex(text);
  return addImports(text, needed).map((e) => ({
    location: index.location(file, e.start, e.end),
    newText: e.text,
  }));
}
