/** Test helpers: real config dirs in a temp folder, loaded through the real loader. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Problem } from "../../src/graph/index.js";

const made: string[] = [];

export function writeConfig(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mf-config-"));
  made.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

export function cleanupConfigs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** `file:line:column-endColumn CODE` — compact and exact, for assertions. */
export function brief(p: Problem): string {
  const l = p.location;
  return `${l.file}:${l.line}:${l.column}-${l.endColumn} ${p.code}`;
}

/** 1-based line/column of the first occurrence of `needle` in `text` (for asserting spans). */
export function posOf(text: string, needle: string, nth = 0): { line: number; column: number } {
  let idx = -1;
  for (let i = 0; i <= nth; i++) idx = text.indexOf(needle, idx + 1);
  if (idx < 0) throw new Error(`not found: ${needle}`);
  const before = text.slice(0, idx).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

export function span(file: string, text: string, needle: string, nth = 0): string {
  const p = posOf(text, needle, nth);
  return `${file}:${p.line}:${p.column}-${p.column + needle.length}`;
}
