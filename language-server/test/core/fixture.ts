/**
 * Fixtures for the pure core (no JSON-RPC, no disk): one string holds every file of a config dir, each
 * after a `//- path` line, and `$0` marks the cursor (rust-analyzer's fixture syntax). `check` builds the
 * ConfigModel from it, runs one feature at the cursor, renders the answer as text and compares it with
 * the expectation — so a test reads as "this config, here, gives this".
 */
import assert from "node:assert/strict";
import type { SourceLocation } from "messagefoundry/graph";
import { ConfigModel, engineDictionary, type FsHost, type Hl7Dictionary } from "../../src/core/index.js";

export const CURSOR = "$0";

/** No lib files and no typings: the features under test never read the disk. */
const noFs: FsHost = {
  libDir: "/nonexistent-ts-lib",
  readFile: () => undefined,
  fileExists: () => false,
  directoryExists: () => false,
};

let dictionary: Hl7Dictionary | undefined;
export const dict = (): Hl7Dictionary => {
  dictionary ??= engineDictionary();
  return dictionary;
};

export interface Fixture {
  model: ConfigModel;
  /** Where `$0` was (file and offset in the text without the marker), when present. */
  cursor?: { file: string; offset: number };
}

/** Parses a fixture into a model of the config dir `/cfg`. Leading indentation is removed. */
export function fixture(text: string): Fixture {
  const lines = dedent(text).split("\n");
  const files = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of lines) {
    const header = /^\/\/- (\S+)\s*$/.exec(line);
    if (header?.[1]) {
      current = [];
      files.set(header[1], current);
    } else if (current) current.push(line);
    else assert.equal(line.trim(), "", "fixture text before the first //- header");
  }
  const model = new ConfigModel("/cfg", noFs, dict());
  let cursor: Fixture["cursor"];
  for (const [file, body] of files) {
    let content = `${body.join("\n").replace(/\n+$/, "")}\n`;
    const at = content.indexOf(CURSOR);
    if (at >= 0) {
      assert.equal(cursor, undefined, "more than one $0 in the fixture");
      cursor = { file, offset: at };
      content = content.slice(0, at) + content.slice(at + CURSOR.length);
    }
    model.setFile(file, content);
  }
  return cursor ? { model, cursor } : { model };
}

/** Runs `feature` on the fixture and asserts its rendered answer equals `expected`. */
export function check(
  text: string,
  expected: string,
  feature: (model: ConfigModel, at: { file: string; offset: number }) => string,
): void {
  const f = fixture(text);
  assert.ok(f.cursor, "the fixture has no $0 cursor");
  try {
    assert.equal(feature(f.model, f.cursor), dedent(expected).trim());
  } finally {
    f.model.dispose();
  }
}

/** `file:line:col` (1-based) of a location. */
export const at = (l: SourceLocation): string => `${l.file}:${l.line}:${l.column}`;

function dedent(text: string): string {
  const lines = text.replace(/^\n/, "").split("\n");
  const indents = lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = Math.min(...indents, Number.MAX_SAFE_INTEGER);
  return lines.map((l) => l.slice(cut)).join("\n");
}
