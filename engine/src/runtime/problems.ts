/** One-line rendering of a config problem for start-up errors and logs (no message content). */
import type { Problem } from "../graph/index.js";

export function formatProblemLine(p: Problem): string {
  const l = p.location;
  return `${l.file || "(config)"}:${l.line}:${l.column}: ${p.code}: ${p.message}`;
}
