/**
 * Steps edits → minimal text edits. A changed argument replaces only the literal's content; a deleted
 * row removes its lines (its comment lines with it); a moved row's lines go before or after a sibling's;
 * a new action is written in the block's indentation with the function's message parameter, adding a
 * missing `send` / `codeSet` import. Arguments are checked as in code: field paths against the HL7
 * definitions of the function's version, outbound and handler names against the declared ones.
 * Pure: the model's text in, edits (or the reason for refusing) out. `insertStep` is the entry point
 * for other features (the cookbook) that add a recognized action at a position.
 */
import type { SourceLocation } from "messagefoundry/graph";
import { tryParseFieldPath } from "messagefoundry/hl7";
import ts from "typescript";
import type { NewStep, StepArg, StepEdit, StepRow } from "../protocol.js";
import { completePath, type Hl7Dictionary, resolvePath, versionFor } from "./hl7Paths.js";
import { importEdits } from "./imports.js";
import type { ConfigModel } from "./model.js";
import type { TextEdit } from "./navigation.js";
import { type StepsAnswer, stepsOf } from "./steps.js";
import { LineIndex, nearMiss } from "./text.js";

export type StepEditOutcome = { edits: TextEdit[] } | { error: string };

export interface StepTarget {
  file: string;
  kind: "router" | "handler";
  name: string;
}

/** Applies one Steps edit to the function `target` in the model's current text. */
export function stepEdit(
  model: ConfigModel,
  dict: Hl7Dictionary,
  target: StepTarget,
  edit: StepEdit,
): StepEditOutcome {
  const answer = stepsOf(model, target.file, { name: target.name, kind: target.kind });
  if (!answer) return { error: `There is no ${target.kind} "${target.name}" in ${target.file}.` };
  const ctx = new EditContext(model, dict, target, answer);
  switch (edit.type) {
    case "setArg":
      return ctx.setArg(edit.row, edit.arg, edit.value);
    case "insert":
      return ctx.insert(edit.block, edit.index, edit.step);
    case "delete":
      return ctx.remove(edit.row);
    case "move":
      return ctx.move(edit.row, edit.to);
    case "insertCode":
      return ctx.insertCode(edit.block, edit.index, edit.code, edit.imports ?? []);
  }
}

/** Inserts a recognized action at `index` of block `block` ("" = the function's body, 0 = first). */
export function insertStep(
  model: ConfigModel,
  dict: Hl7Dictionary,
  target: StepTarget,
  block: string,
  index: number,
  step: NewStep,
): StepEditOutcome {
  return stepEdit(model, dict, target, { type: "insert", block, index, step });
}

/**
 * Inserts statements as written (a cookbook recipe: code and its comments, lines relative to column 0)
 * at `index` of block `block`, in the block's indentation, adding `imports` missing from the module's
 * `import { … } from "messagefoundry"`. Refused when the code does not parse.
 */
export function insertCode(
  model: ConfigModel,
  dict: Hl7Dictionary,
  target: StepTarget,
  block: string,
  index: number,
  code: string,
  imports: readonly string[] = [],
): StepEditOutcome {
  return stepEdit(model, dict, target, { type: "insertCode", block, index, code, imports: [...imports] });
}

/** Checks one argument value as code would; the message when it is refused. */
export function checkArg(
  model: ConfigModel,
  dict: Hl7Dictionary,
  owner: StepTarget,
  role: StepArg["role"],
  value: string,
): string | undefined {
  const a = model.analysis();
  switch (role) {
    case "path":
    case "source": {
      if (!tryParseFieldPath(value).path && !/^[A-Z][A-Z0-9]{2}[-.[]/.test(value))
        return `"${value}" is not a field path (e.g. PID-5.1)`;
      const r = resolvePath(dict, value, versionFor(a, owner.name), a.zSegments);
      return r.error ? `${value}: ${r.error.message}` : undefined;
    }
    case "segment":
      if (!/^[A-Z][A-Z0-9]{2}$/.test(value)) return `"${value}" is not a segment name (3 characters A-Z/0-9)`;
      return value === "MSH" ? "MSH cannot be added or deleted" : undefined;
    case "outbound":
    case "handler": {
      const names = a.byName[role];
      if (names.has(value)) return undefined;
      const guess = nearMiss(value, names.keys());
      return `There is no ${role} "${value}"${guess ? `; did you mean "${guess}"?` : ""}`;
    }
    case "codeSet":
      return /^[A-Za-z0-9_.-]+$/.test(value) ? undefined : `"${value}" is not a code set name`;
    case "value":
      return undefined;
  }
}

/**
 * What an argument offers as the analyst types, as code completion does: field paths from the HL7
 * definitions of the function's version (segment → field → component), declared outbound / handler names,
 * segment names.
 */
export function argCompletions(
  model: ConfigModel,
  dict: Hl7Dictionary,
  owner: StepTarget,
  role: StepArg["role"],
  typed: string,
): { value: string; description?: string }[] {
  const a = model.analysis();
  const version = versionFor(a, owner.name);
  const starts = (v: string) => v.toUpperCase().startsWith(typed.toUpperCase());
  switch (role) {
    case "path":
    case "source":
      return completePath(dict, typed, version, a.zSegments)
        .filter((c) => starts(c.label))
        .map((c) => ({ value: c.label, description: c.datatype ? `${c.name} (${c.datatype})` : c.name }));
    case "segment":
      return completePath(dict, "", version, a.zSegments)
        .filter((c) => starts(c.label) && c.label !== "MSH")
        .map((c) => ({ value: c.label, description: c.name }));
    case "outbound":
    case "handler":
      return [...a.byName[role].keys()]
        .sort()
        .filter(starts)
        .map((value) => ({ value }));
    default:
      return [];
  }
}

/** A string literal in the quotes of the literal it replaces (double quotes for new code). */
export function quoted(value: string, quote = '"'): string {
  if (quote === "`") return `\`${value.replace(/[\\`]/g, "\\$&").replace(/\$\{/g, "\\${")}\``;
  const body = JSON.stringify(value).slice(1, -1);
  return quote === "'" ? `'${body.replace(/\\"/g, '"').replace(/'/g, "\\'")}'` : `"${body}"`;
}

/** The statement text of a new action, with `param` as the message. */
export function stepText(step: NewStep, param: string): { text: string; imports: string[] } {
  const q = (v: string) => quoted(v);
  switch (step.kind) {
    case "set":
      return { text: `${param}.set(${q(step.path)}, ${q(step.value)});`, imports: [] };
    case "copy":
      return { text: `${param}.set(${q(step.path)}, ${param}.get(${q(step.source)}));`, imports: [] };
    case "clear":
      return { text: `${param}.set(${q(step.path)}, undefined);`, imports: [] };
    case "map":
      return {
        text: `${param}.set(${q(step.path)}, codeSet(${q(step.codeSet)}).map(${param}.get(${q(step.source)}) ?? ""));`,
        imports: ["codeSet"],
      };
    case "deleteSegment":
      return { text: `${param}.deleteSegments(${q(step.segment)});`, imports: [] };
    case "addSegment":
      return { text: `${param}.addSegment(${q(step.segment)});`, imports: [] };
    case "send":
      return { text: `return send(${q(step.outbound)}, ${param});`, imports: ["send"] };
    case "route":
      return { text: `return [${step.handlers.map(q).join(", ")}];`, imports: [] };
    case "stop":
      return { text: "return [];", imports: [] };
  }
}

/** The arguments of a new action with the role each is checked as. */
function newArgs(step: NewStep): [StepArg["role"], string][] {
  switch (step.kind) {
    case "set":
      return [
        ["path", step.path],
        ["value", step.value],
      ];
    case "copy":
      return [
        ["path", step.path],
        ["source", step.source],
      ];
    case "clear":
      return [["path", step.path]];
    case "map":
      return [
        ["path", step.path],
        ["codeSet", step.codeSet],
        ["source", step.source],
      ];
    case "deleteSegment":
    case "addSegment":
      return [["segment", step.segment]];
    case "send":
      return [["outbound", step.outbound]];
    case "route":
      return step.handlers.map((h) => ["handler", h]);
    case "stop":
      return [];
  }
}

const ROUTER_STEPS = new Set<NewStep["kind"]>(["route"]);
const HANDLER_ONLY = new Set<NewStep["kind"]>(["send", "stop"]);

class EditContext {
  private readonly text: string;
  private readonly index: LineIndex;

  constructor(
    private readonly model: ConfigModel,
    private readonly dict: Hl7Dictionary,
    private readonly target: StepTarget,
    private readonly answer: StepsAnswer,
  ) {
    this.text = answer.syntax.sf.text;
    this.index = new LineIndex(this.text);
  }

  private loc(start: number, end: number): SourceLocation {
    return this.index.location(this.target.file, start, end);
  }

  private row(id: string): StepRow | undefined {
    const find = (rows: StepRow[]): StepRow | undefined => {
      for (const r of rows) {
        if (r.id === id) return r;
        for (const b of r.blocks ?? []) {
          const hit = find(b.rows);
          if (hit) return hit;
        }
      }
      return undefined;
    };
    return find(this.answer.steps.body.rows);
  }

  setArg(rowId: string, argIndex: number, value: string): StepEditOutcome {
    const row = this.row(rowId);
    const arg = row?.args[argIndex];
    const node = this.answer.syntax.argNodes.get(rowId)?.[argIndex];
    if (!row || !arg) return { error: `No argument ${argIndex} on row ${rowId}.` };
    if (!arg.editable || !node) return { error: "This argument is an expression; change it in code." };
    const problem = checkArg(this.model, this.dict, this.target, arg.role, value);
    if (problem) return { error: problem };
    const start = node.getStart(this.answer.syntax.sf);
    return {
      edits: [{ location: this.loc(start, node.getEnd()), newText: quoted(value, this.text[start] ?? '"') }],
    };
  }

  /** The whole lines of a statement, with its own-line comments above; undefined when it shares a line. */
  private lines(node: ts.Node): { start: number; end: number } | undefined {
    const sf = this.answer.syntax.sf;
    const comments = ts.getLeadingCommentRanges(this.text, node.getFullStart()) ?? [];
    const first = comments.find((c) => /^\s*$/.test(this.text.slice(this.lineStart(c.pos), c.pos)));
    const start = this.lineStart(first?.pos ?? node.getStart(sf));
    if (!/^\s*$/.test(this.text.slice(start, first?.pos ?? node.getStart(sf)))) return undefined;
    let end = node.getEnd();
    const trailing = ts.getTrailingCommentRanges(this.text, end) ?? [];
    end = trailing.at(-1)?.end ?? end;
    const nl = this.text.indexOf("\n", end);
    const rest = this.text.slice(end, nl < 0 ? this.text.length : nl);
    if (!/^\s*$/.test(rest)) return undefined;
    return { start, end: nl < 0 ? this.text.length : nl + 1 };
  }

  private lineStart(offset: number): number {
    return this.index.lineStart(this.index.position(offset).line);
  }

  private indentOf(offset: number): string {
    const s = this.lineStart(offset);
    return /^[ \t]*/.exec(this.text.slice(s))?.[0] ?? "";
  }

  remove(rowId: string): StepEditOutcome {
    const node = this.answer.syntax.rows.get(rowId);
    if (!node) return { error: `No row ${rowId}.` };
    const parent = this.blockOf(rowId);
    if (parent === undefined) {
      // A branch written without braces: leave an empty block in its place.
      if (ts.isStatement(node) && (ts.isIfStatement(node.parent) || isLoop(node.parent)))
        return { edits: [{ location: this.span(node), newText: "{}" }] };
      return { error: "This row is part of an expression; change it in code." };
    }
    const span = this.lines(node) ?? { start: node.getStart(this.answer.syntax.sf), end: node.getEnd() };
    return { edits: [{ location: this.loc(span.start, span.end), newText: "" }] };
  }

  move(rowId: string, to: number): StepEditOutcome {
    const node = this.answer.syntax.rows.get(rowId);
    const block = this.blockOf(rowId);
    if (!node || !block) return { error: "Only a row of a braced block can be moved." };
    const siblings = block.statements;
    const from = siblings.indexOf(node as ts.Statement);
    if (to < 0 || to >= siblings.length) return { error: `Position ${to} is outside the block.` };
    if (to === from) return { edits: [] };
    const span = this.lines(node);
    const other = this.lines(siblings[to] as ts.Statement);
    if (!span || !other) return { error: "A row sharing its line with another statement is moved in code." };
    const moved = this.text.slice(span.start, span.end);
    const at = to > from ? other.end : other.start;
    return {
      edits: [
        { location: this.loc(span.start, span.end), newText: "" },
        { location: this.loc(at, at), newText: moved },
      ],
    };
  }

  insert(blockId: string, at: number, step: NewStep): StepEditOutcome {
    if (this.target.kind === "router" && HANDLER_ONLY.has(step.kind))
      return { error: `A router routes to handlers; "${step.kind}" belongs in a handler.` };
    if (this.target.kind === "handler" && ROUTER_STEPS.has(step.kind))
      return { error: "A handler sends to outbounds; routing to handlers belongs in a router." };
    for (const [role, value] of newArgs(step)) {
      const problem = checkArg(this.model, this.dict, this.target, role, value);
      if (problem) return { error: problem };
    }
    const { text, imports } = stepText(step, this.answer.steps.param);
    const edits = this.insertText(blockId, at, text);
    if ("error" in edits) return edits;
    return { edits: [...importEdits(this.target.file, this.text, imports), ...edits.edits] };
  }

  /** Any statements (a cookbook recipe, comments included) at a position, with the imports they use. */
  insertCode(blockId: string, at: number, code: string, imports: readonly string[]): StepEditOutcome {
    const body = code.replace(/\s+$/, "");
    if (body.trim() === "") return { error: "There is no code to insert." };
    const check = ts.transpileModule(`function __steps(${this.answer.steps.param}: any) {\n${body}\n}`, {
      reportDiagnostics: true,
      compilerOptions: { target: ts.ScriptTarget.ES2022 },
    });
    const syntax = check.diagnostics?.[0];
    if (syntax)
      return {
        error: `The code does not parse: ${ts.flattenDiagnosticMessageText(syntax.messageText, " ")}`,
      };
    const edits = this.insertText(blockId, at, body);
    if ("error" in edits) return edits;
    return { edits: [...importEdits(this.target.file, this.text, imports), ...edits.edits] };
  }

  private insertText(blockId: string, at: number, stmt: string): StepEditOutcome {
    const sf = this.answer.syntax.sf;
    const block = this.answer.syntax.blocks.get(blockId);
    if (block) {
      const list = block.statements;
      const i = Math.max(0, Math.min(at, list.length));
      if (list.length === 0) {
        const indent = this.indentOf(block.getStart(sf));
        const open = block.getStart(sf) + 1;
        const close = block.getEnd() - 1;
        return {
          edits: [
            {
              location: this.loc(open, close),
              newText: `\n${indent}  ${indented(stmt, `${indent}  `)}\n${indent}`,
            },
          ],
        };
      }
      const ref = list[Math.min(i, list.length - 1)] as ts.Statement;
      const span = this.lines(ref);
      if (!span) return { error: "This block is written on one line; add to it in code." };
      const indent = this.indentOf(ref.getStart(sf));
      const offset = i < list.length ? span.start : span.end;
      const lead = offset === this.text.length && !this.text.endsWith("\n") ? "\n" : "";
      return {
        edits: [
          { location: this.loc(offset, offset), newText: `${lead}${indent}${indented(stmt, indent)}\n` },
        ],
      };
    }
    // A block without braces: an expression body, or an if/loop branch of one statement. Brace it.
    const fn = this.answer.syntax.fn;
    const single =
      blockId === "" ? fn.body : this.answer.syntax.rows.get(blockId === "" ? "0" : `${blockId}/0`);
    if (!single) return { error: `No block ${blockId}.` };
    const isBody = blockId === "" && !ts.isBlock(fn.body);
    const isBranch = ts.isStatement(single) && (ts.isIfStatement(single.parent) || isLoop(single.parent));
    if (!isBody && !isBranch) return { error: "This branch is part of an expression; add to it in code." };
    const outer = this.indentOf(isBody ? fn.getStart(sf) : single.parent.getStart(sf));
    const inner = `${outer}  `;
    const old = isBody ? `return ${single.getText(sf)};` : single.getText(sf);
    const list = at <= 0 ? [stmt, old] : [old, stmt];
    const start = single.getStart(sf);
    const from = this.indentOf(start);
    const newText = list
      .map((l) => `${inner}${l === old ? reindent(l, from, inner) : indented(l, inner)}`)
      .join("\n");
    return { edits: [{ location: this.loc(start, single.getEnd()), newText: `{\n${newText}\n${outer}}` }] };
  }

  private span(node: ts.Node): SourceLocation {
    return this.loc(node.getStart(this.answer.syntax.sf), node.getEnd());
  }

  /** The braced block a row sits in directly. */
  private blockOf(rowId: string): ts.Block | undefined {
    const slash = rowId.lastIndexOf("/");
    return this.answer.syntax.blocks.get(slash < 0 ? "" : rowId.slice(0, slash));
  }
}

function isLoop(n: ts.Node): boolean {
  return (
    ts.isForOfStatement(n) ||
    ts.isForInStatement(n) ||
    ts.isForStatement(n) ||
    ts.isWhileStatement(n) ||
    ts.isDoStatement(n)
  );
}

/** Lines after the first of inserted code, under `indent` (blank lines stay empty). */
function indented(text: string, indent: string): string {
  return text
    .split("\n")
    .map((l, i) => (i === 0 || l.trim() === "" ? l.trimEnd() : `${indent}${l}`))
    .join("\n");
}

/** Continuation lines of a braced statement keep their shape under the new indentation. */
function reindent(text: string, from: string, to: string): string {
  return text
    .split("\n")
    .map((l, i) => (i > 0 && l.startsWith(from) ? `${to}${l.slice(from.length)}` : l))
    .join("\n");
}
