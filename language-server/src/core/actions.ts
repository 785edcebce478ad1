/**
 * Quick fixes: create a missing router/handler/outbound as a stub, add a missing env key to every
 * environment file, and replace a near-miss name with the declared one.
 */
import type { NodeKind, Problem, SourceLocation } from "messagefoundry/graph";
import { importEdits } from "./imports.js";
import type { ConfigModel } from "./model.js";
import type { TextEdit } from "./navigation.js";
import { EDGE_TARGET } from "./sites.js";
import { LineIndex, nearMiss } from "./text.js";

export interface CodeAction {
  title: string;
  /** The problem it fixes. */
  problem: Problem;
  edits: TextEdit[];
  /** Files (config-relative) to create before applying the edits. */
  createFiles?: string[];
  preferred?: boolean;
}

const UNKNOWN: Record<string, NodeKind> = {
  "MF-UNKNOWN-ROUTER": "router",
  "MF-UNKNOWN-HANDLER": "handler",
  "MF-UNKNOWN-OUTBOUND": "outbound",
};

function overlaps(l: SourceLocation, r: SourceLocation): boolean {
  const before = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);
  return (
    before([l.line, l.column], [r.endLine, r.endColumn]) &&
    before([r.line, r.column], [l.endLine, l.endColumn])
  );
}

export function codeActions(model: ConfigModel, file: string, range: SourceLocation): CodeAction[] {
  const a = model.analysis();
  const problems = (a.problems().get(file) ?? []).filter((p) => overlaps(p.location, range));
  const out: CodeAction[] = [];
  const seenEnv = new Set<string>();
  for (const p of problems) {
    const kind = UNKNOWN[p.code];
    if (kind) {
      const edge = a.graph.edges.find(
        (e) =>
          e.location.file === file &&
          e.location.line === p.location.line &&
          e.location.column === p.location.column,
      );
      const name = edge?.to;
      if (!edge || !name || EDGE_TARGET[edge.kind] !== kind) continue;
      const guess = nearMiss(name, a.byName[kind].keys());
      if (guess) out.push(changeTo(p, guess));
      out.push(createStub(model, kind, name, file, p));
    } else if (p.code === "MF-UNKNOWN-CODESET") {
      out.push(...codeSetFixes(model, file, p));
    } else if (p.code === "MF-ENV-MISSING") {
      const use = a.graph.envUses.find(
        (u) =>
          u.location.file === file &&
          u.location.line === p.location.line &&
          u.location.column === p.location.column,
      );
      // A secret never goes in an environment file, so there is nothing to add for it.
      if (!use || seenEnv.has(use.key) || a.graph.envUses.some((u) => u.key === use.key && u.secret))
        continue;
      seenEnv.add(use.key);
      const placeholder =
        use.cast === "int" || use.cast === "float" ? "0" : use.cast === "bool" ? "false" : '""';
      const edits: TextEdit[] = [];
      for (const env of a.envFiles) {
        if (env.keys.has(use.key)) continue;
        const index = new LineIndex(env.text);
        const at = index.location(env.file, env.insertOffset, env.insertOffset);
        const lead = env.endsWithNewline ? "" : "\n";
        edits.push({ location: at, newText: `${lead}${use.key} = ${placeholder}\n` });
      }
      if (edits.length)
        out.push({ title: `Add "${use.key}" to every environment file`, problem: p, edits, preferred: true });
    }
  }
  return out;
}

function stubText(kind: NodeKind, name: string): string {
  if (kind === "router") return `router("${name}", (msg) => []);\n`;
  if (kind === "handler") return `handler("${name}", (msg) => {\n  return [];\n});\n`;
  return `outbound("${name}", mllp({ host: "localhost", port: 2575 }));\n`;
}

/** A stub appended to the referencing module (or, from connections.toml, to the first module declaring that kind). */
function createStub(model: ConfigModel, kind: NodeKind, name: string, file: string, p: Problem): CodeAction {
  const a = model.analysis();
  const title = `Create ${kind} "${name}"`;
  if (kind === "outbound" && model.text("connections.toml") !== undefined) {
    const toml = model.text("connections.toml") ?? "";
    const at = new LineIndex(toml).location("connections.toml", toml.length, toml.length);
    const lead = toml.length === 0 || toml.endsWith("\n\n") ? "" : toml.endsWith("\n") ? "\n" : "\n\n";
    const text = `${lead}[[outbound]]\nname = "${name}"\ntransport = "mllp"\n\n[outbound.settings]\nhost = "localhost"\nport = 2575\n`;
    return { title, problem: p, edits: [{ location: at, newText: text }] };
  }
  let target = file.endsWith(".ts") ? file : undefined;
  target ??= [...a.byName[kind].values()].flat().find((n) => n.origin === "ts")?.location.file;
  target ??= model
    .paths()
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .sort()[0];
  const needed = kind === "outbound" ? [kind, "mllp"] : [kind];
  if (!target) {
    const newFile = `${kind}s.ts`;
    const text = `import { ${needed.join(", ")} } from "messagefoundry";\n\n${stubText(kind, name)}`;
    return {
      title,
      problem: p,
      createFiles: [newFile],
      edits: [{ location: { file: newFile, line: 1, column: 1, endLine: 1, endColumn: 1 }, newText: text }],
    };
  }
  const text = model.text(target) ?? "";
  const index = new LineIndex(text);
  const edits: TextEdit[] = importEdits(target, text, needed);
  const lead = text.length === 0 || text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
  edits.push({
    location: index.location(target, text.length, text.length),
    newText: `${lead}${stubText(kind, name)}`,
  });
  return { title, problem: p, edits };
}

/** An unknown `codeSet("name")`: change to the near miss, or create codesets/<name>.toml with a default row. */
function codeSetFixes(model: ConfigModel, file: string, p: Problem): CodeAction[] {
  const a = model.analysis();
  const use = a.facts
    .get(file)
    ?.codeSetUses.find((u) => u.location.line === p.location.line && u.location.column === p.location.column);
  if (!use) return [];
  const out: CodeAction[] = [];
  const guess = nearMiss(use.name, a.codeSets.keys());
  if (guess) out.push(changeTo(p, guess));
  const newFile = `codesets/${use.name}.toml`;
  out.push({
    title: `Create ${newFile}`,
    problem: p,
    createFiles: [newFile],
    edits: [
      {
        location: { file: newFile, line: 1, column: 1, endLine: 1, endColumn: 1 },
        newText: `# Code set ${use.name}: code = "value" per line; the row "*" is the value for codes not listed.\n`,
      },
    ],
  });
  return out;
}

/** The preferred fix for a near-miss name: replace it with the declared one. */
function changeTo(p: Problem, guess: string): CodeAction {
  return {
    title: `Change to "${guess}"`,
    problem: p,
    edits: [{ location: p.location, newText: guess }],
    preferred: true,
  };
}
