/** environments/<env>.toml: the keys each environment defines, with positions for navigation. */
import type { SourceLocation } from "messagefoundry/graph";
import { emptyFacts, type FileProblem } from "./facts.js";
import { LineIndex } from "./text.js";
import { readToml } from "./tomlFacts.js";

export interface EnvFile {
  /** `dev` for environments/dev.toml. */
  env: string;
  file: string;
  keys: Map<string, SourceLocation>;
  /** Parsed values (empty when the file does not parse), as the shared env rules expect. */
  values: Record<string, unknown>;
  problems: FileProblem[];
  /** Where a new key is appended (end of the top-level table, before the first sub-table). */
  insertOffset: number;
  endsWithNewline: boolean;
  text: string;
}

export function isEnvFile(rel: string): boolean {
  return /^environments\/[^/]+\.toml$/.test(rel);
}

export function readEnvFile(file: string, text: string): EnvFile {
  const facts = emptyFacts();
  const { scan, data } = readToml(file, text, facts);
  const index = new LineIndex(text);
  const keys = new Map<string, SourceLocation>();
  for (const k of scan.keys)
    if (k.path.length === 1 && k.path[0] !== undefined)
      keys.set(k.path[0], index.location(file, k.keyStart, k.keyEnd));
  // Keys the scanner missed (e.g. multi-line values) still count when the parser saw them.
  if (data)
    for (const key of Object.keys(data)) if (!keys.has(key)) keys.set(key, index.location(file, 0, 0));
  const firstTable = scan.tables[0];
  let insertOffset = firstTable ? firstTable.start : text.length;
  if (firstTable) while (insertOffset > 0 && /\s/.test(text[insertOffset - 1] ?? "")) insertOffset--;
  const env = file.slice("environments/".length, -".toml".length);
  return {
    env,
    file,
    keys,
    values: data ?? {},
    problems: facts.problems,
    insertOffset,
    endsWithNewline: insertOffset === 0 || text[insertOffset - 1] === "\n",
    text,
  };
}
