/** Names a module imports from "messagefoundry": the edit that adds the missing ones to its import. */
import type { TextEdit } from "./navigation.js";
import { LineIndex } from "./text.js";

/**
 * An edit adding `needed` names missing from the file's `import { … } from "messagefoundry"`, or none
 * when they are all there (or the file has no such import: a new one is the caller's choice).
 */
export function importEdits(file: string, text: string, needed: readonly string[]): TextEdit[] {
  const imp = /import\s*\{([^}]*)\}\s*from\s*["']messagefoundry["']/.exec(text);
  if (!imp) return [];
  const have = new Set((imp[1] ?? "").split(",").map((s) => s.trim()));
  const missing = needed.filter((n) => !have.has(n));
  if (!missing.length) return [];
  const close = imp.index + imp[0].indexOf("}");
  let end = close;
  while (end > 0 && /\s/.test(text[end - 1] ?? "")) end--;
  const index = new LineIndex(text);
  return [{ location: index.location(file, end, end), newText: `, ${missing.join(", ")}` }];
}
