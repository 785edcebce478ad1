/** Go to definition, find references, rename, document and workspace symbols. */
import type { NodeKind, SourceLocation } from "messagefoundry/graph";
import type { ConfigModel } from "./model.js";
import { sameTarget, siteAt } from "./sites.js";

export interface TextEdit {
  location: SourceLocation;
  newText: string;
}

export function definition(model: ConfigModel, file: string, offset: number): SourceLocation[] {
  const site = siteAt(model, file, offset);
  if (!site || site.type === "hl7") return [];
  return sameTarget(model.analysis(), site)
    .filter((s) => s.type !== "hl7" && s.declaration)
    .map((s) => s.location);
}

export function references(
  model: ConfigModel,
  file: string,
  offset: number,
  includeDeclaration: boolean,
): SourceLocation[] {
  const site = siteAt(model, file, offset);
  if (!site || site.type === "hl7") return [];
  return sameTarget(model.analysis(), site)
    .filter((s) => includeDeclaration || !("declaration" in s && s.declaration))
    .map((s) => s.location);
}

/** Text edits, plus file renames (config-relative) when renaming a code set renames its file. */
export type RenameResult =
  | { edits: TextEdit[]; renameFiles?: { from: string; to: string }[] }
  | { error: string };

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function prepareRename(model: ConfigModel, file: string, offset: number): SourceLocation | undefined {
  const site = siteAt(model, file, offset);
  return site && site.type !== "hl7" ? site.location : undefined;
}

export function rename(model: ConfigModel, file: string, offset: number, newName: string): RenameResult {
  const site = siteAt(model, file, offset);
  if (!site || site.type === "hl7")
    return { error: "Nothing to rename here: place the cursor on a registry name or env key." };
  if (!NAME_RE.test(newName)) return { error: `"${newName}" is not a valid name (letters, digits, _ . -).` };
  if (site.type === "codeset") return renameCodeSet(model, site.name, newName);
  return {
    edits: sameTarget(model.analysis(), site).map((s) => ({ location: s.location, newText: newName })),
  };
}

export interface SymbolInfo {
  name: string;
  kind: NodeKind | "env" | "segment" | "message";
  detail?: string;
  location: SourceLocation;
  selection: SourceLocation;
  children?: SymbolInfo[];
}

export function documentSymbols(model: ConfigModel, file: string): SymbolInfo[] {
  const a = model.analysis();
  const out: SymbolInfo[] = a.graph.nodes
    .filter((n) => n.location.file === file)
    .map((n) => ({
      name: n.name,
      kind: n.kind,
      detail: n.transport ? `${n.kind} · ${n.transport}` : n.kind,
      location: n.declaration ?? n.location,
      selection: n.location,
    }));
  for (const env of a.envFiles)
    if (env.file === file)
      for (const [key, location] of env.keys)
        out.push({ name: key, kind: "env", location, selection: location });
  return out;
}

export function workspaceSymbols(model: ConfigModel, query: string): SymbolInfo[] {
  const q = query.toLowerCase();
  return model
    .analysis()
    .graph.nodes.filter((n) => n.name.toLowerCase().includes(q))
    .map((n) => ({
      name: n.name,
      kind: n.kind,
      detail: n.kind,
      location: n.location,
      selection: n.location,
    }));
}

/** A code set's name is its file's name: rename the file and every `codeSet("name")` call. */
function renameCodeSet(model: ConfigModel, name: string, newName: string): RenameResult {
  const a = model.analysis();
  const info = a.codeSets.get(name);
  if (!info) return { error: `Code set "${name}" has no file under codesets/ to rename.` };
  if (a.codeSets.has(newName)) return { error: `A code set named "${newName}" already exists.` };
  const location = { file: info.file, line: 1, column: 1, endLine: 1, endColumn: 1 };
  const edits = sameTarget(a, { type: "codeset", name, location, declaration: true })
    .filter((s) => s.type === "codeset" && !s.declaration)
    .map((s) => ({ location: s.location, newText: newName }));
  return { edits, renameFiles: [{ from: info.file, to: `codesets/${newName}.${info.format}` }] };
}
