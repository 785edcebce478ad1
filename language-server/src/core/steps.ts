/**
 * The Steps model: a router's or handler's function as ordered, nested rows. Statements the model
 * recognizes become actions (set / copy / clear / map through a code set a field, delete / add a
 * segment, send to an outbound, route to handlers, stop); `if` and loops become controls with their
 * blocks; every other statement is a code row with its text. Nothing is hidden or reordered: the rows
 * of a block are its statements, in order, each with its source range. Pure: syntax tree in, rows out.
 */
import type { SourceLocation } from "messagefoundry/graph";
import ts from "typescript";
import type { StepArg, StepBlock, StepRow, StepsFunction } from "../protocol.js";
import type { ConfigModel } from "./model.js";
import { LineIndex } from "./text.js";
import { calleeName, isStringLike, literalContentSpan } from "./tsFacts.js";

/** The syntax behind the rows, by id, for edits (stepEdits.ts). */
export interface StepsSyntax {
  sf: ts.SourceFile;
  fn: ts.ArrowFunction | ts.FunctionExpression;
  /** Row id → its statement (or, for a row made from an expression, that expression). */
  rows: Map<string, ts.Node>;
  /** Block id → the statements container, when it is a braced block. */
  blocks: Map<string, ts.Block>;
  /** Row id → its args' literal nodes, in the order of `StepRow.args`. */
  argNodes: Map<string, (ts.Node | undefined)[]>;
}

export interface StepsAnswer {
  steps: StepsFunction;
  syntax: StepsSyntax;
}

type Fn = ts.ArrowFunction | ts.FunctionExpression;

/** Every `router(...)` / `handler(...)` declaration of a file with a function literal. */
export function stepFunctions(
  sf: ts.SourceFile,
): { kind: "router" | "handler"; name: string; call: ts.CallExpression; fn: Fn }[] {
  const out: { kind: "router" | "handler"; name: string; call: ts.CallExpression; fn: Fn }[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) {
      const kind = n.expression.text;
      const [name, fn] = n.arguments;
      if (
        (kind === "router" || kind === "handler") &&
        isStringLike(name) &&
        fn &&
        (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))
      )
        out.push({ kind, name: name.text, call: n, fn });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/**
 * The rows of the router or handler at `at` in `file`: by name (`{ name }`, optionally with its kind)
 * or by an offset inside its declaration. Undefined when there is none there.
 */
export function stepsOf(
  model: ConfigModel,
  file: string,
  at: { offset: number } | { name: string; kind?: "router" | "handler" },
): StepsAnswer | undefined {
  const sf = model.ast(file);
  if (!sf) return undefined;
  const fns = stepFunctions(sf);
  const hit =
    "offset" in at
      ? fns
          .filter((f) => f.call.getStart(sf) <= at.offset && at.offset <= f.call.getEnd())
          .sort((a, b) => b.call.getStart(sf) - a.call.getStart(sf))[0]
      : fns.find((f) => f.name === at.name && (at.kind === undefined || f.kind === at.kind));
  if (!hit) return undefined;
  return describe(sf, file, hit.kind, hit.name, hit.call, hit.fn);
}

/** The declarations a file holds (for code lenses and pick lists). */
export function stepTargets(
  model: ConfigModel,
  file: string,
): { kind: "router" | "handler"; name: string; location: SourceLocation }[] {
  const sf = model.ast(file);
  if (!sf) return [];
  const index = new LineIndex(sf.text);
  return stepFunctions(sf).map((f) => ({
    kind: f.kind,
    name: f.name,
    location: index.location(file, f.call.getStart(sf), f.call.getEnd()),
  }));
}

function describe(
  sf: ts.SourceFile,
  file: string,
  kind: "router" | "handler",
  name: string,
  call: ts.CallExpression,
  fn: Fn,
): StepsAnswer {
  const index = new LineIndex(sf.text);
  const loc = (n: ts.Node) => index.location(file, n.getStart(sf), n.getEnd());
  const syntax: StepsSyntax = { sf, fn, rows: new Map(), blocks: new Map(), argNodes: new Map() };
  const first = fn.parameters[0];
  const param = first && ts.isIdentifier(first.name) ? first.name.text : "msg";

  /** `msg.<method>(...)` on the function's message parameter. */
  const msgCall = (e: ts.Node | undefined, method?: string): e is ts.CallExpression =>
    !!e &&
    ts.isCallExpression(e) &&
    ts.isPropertyAccessExpression(e.expression) &&
    ts.isIdentifier(e.expression.expression) &&
    e.expression.expression.text === param &&
    (method === undefined || e.expression.name.text === method);

  const arg = (
    role: StepArg["role"],
    n: ts.Node | undefined,
    nodes: (ts.Node | undefined)[],
  ): StepArg | undefined => {
    if (!n) return undefined;
    nodes.push(isStringLike(n) ? n : undefined);
    if (isStringLike(n)) {
      const s = literalContentSpan(sf, n);
      return { role, value: n.text, editable: true, location: index.location(file, s.start, s.end) };
    }
    return { role, value: n.getText(sf), editable: false, location: loc(n) };
  };

  /** `codeSet("name")` inline, or an identifier bound to one at module level. */
  const codeSetName = (e: ts.Expression): ts.Node | undefined => {
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "codeSet")
      return e.arguments[0];
    if (!ts.isIdentifier(e)) return undefined;
    for (const st of sf.statements)
      if (ts.isVariableStatement(st))
        for (const d of st.declarationList.declarations)
          if (ts.isIdentifier(d.name) && d.name.text === e.text && d.initializer)
            return codeSetName(d.initializer);
    return undefined;
  };

  /** A source value: `msg.get("P")`, optionally `?? ""`. */
  const readOf = (e: ts.Expression): ts.Expression | undefined => {
    let x = e;
    if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) x = x.left;
    return msgCall(x, "get") ? x.arguments[0] : undefined;
  };

  /** The action an expression statement performs, when recognized. */
  const action = (
    e: ts.Expression,
    nodes: (ts.Node | undefined)[],
  ): Omit<StepRow, "id" | "location" | "text"> | undefined => {
    const args = (...list: [StepArg["role"], ts.Node | undefined][]) =>
      list.map(([r, n]) => arg(r, n, nodes)).filter((a): a is StepArg => a !== undefined);
    if (msgCall(e, "set") && e.arguments.length === 2) {
      const [path, value] = e.arguments as unknown as [ts.Expression, ts.Expression];
      if (value.kind === ts.SyntaxKind.Identifier && (value as ts.Identifier).text === "undefined")
        return { kind: "clear", args: args(["path", path]) };
      const source = readOf(value);
      if (source) return { kind: "copy", args: args(["path", path], ["source", source]) };
      if (
        ts.isCallExpression(value) &&
        ts.isPropertyAccessExpression(value.expression) &&
        value.expression.name.text === "map"
      ) {
        const cs = codeSetName(value.expression.expression);
        const src = value.arguments[0] ? readOf(value.arguments[0]) : undefined;
        if (cs && src) return { kind: "map", args: args(["path", path], ["codeSet", cs], ["source", src]) };
      }
      return { kind: "set", args: args(["path", path], ["value", value]) };
    }
    if (msgCall(e, "deleteSegments") && e.arguments.length === 1)
      return { kind: "deleteSegment", args: args(["segment", e.arguments[0]]) };
    if (msgCall(e, "addSegment") && e.arguments.length >= 1)
      return { kind: "addSegment", args: args(["segment", e.arguments[0]]) };
    return undefined;
  };

  const isSendCall = (e: ts.Node): e is ts.CallExpression =>
    ts.isCallExpression(e) && ts.isIdentifier(e.expression) && calleeName(e) === "send";

  /** What a returned expression does: route (router), send or stop (handler). */
  const returned = (
    e: ts.Expression | undefined,
    nodes: (ts.Node | undefined)[],
  ): Omit<StepRow, "id" | "location" | "text"> | undefined => {
    if (e === undefined) return { kind: "stop", args: [] };
    let x = e;
    while (ts.isParenthesizedExpression(x) || ts.isAsExpression(x)) x = x.expression;
    const items = ts.isArrayLiteralExpression(x) ? [...x.elements] : [x];
    if (items.length === 0) return { kind: kind === "router" ? "route" : "stop", args: [] };
    if (kind === "router" && items.every(isStringLike))
      return { kind: "route", args: items.map((h) => arg("handler", h, nodes) as StepArg) };
    if (kind === "handler" && items.every(isSendCall))
      return {
        kind: "send",
        args: items.map((s) => arg("outbound", (s as ts.CallExpression).arguments[0], nodes) as StepArg),
      };
    return undefined;
  };

  const comment = (n: ts.Node): string | undefined => {
    const ranges = ts.getLeadingCommentRanges(sf.text, n.getFullStart()) ?? [];
    const text = ranges
      .map((r) => sf.text.slice(r.pos, r.end).replace(/^\/\/\s?|^\/\*+\s?|\s*\*+\/$/g, ""))
      .join("\n")
      .trim();
    return text === "" ? undefined : text;
  };

  const row = (id: string, n: ts.Statement | ts.Expression): StepRow => {
    syntax.rows.set(id, n);
    const nodes: (ts.Node | undefined)[] = [];
    syntax.argNodes.set(id, nodes);
    const base = { id, location: loc(n), text: n.getText(sf) };
    const c = comment(n);
    const withComment = <T extends StepRow>(r: T): T => (c ? { ...r, comment: c } : r);
    if (ts.isIfStatement(n)) {
      const blocks = [block(`${id}:then`, "then", n.thenStatement)];
      if (n.elseStatement) blocks.push(block(`${id}:else`, "else", n.elseStatement));
      return withComment({
        ...base,
        kind: "if",
        args: [],
        head: loc(n.expression),
        headText: n.expression.getText(sf),
        blocks,
      });
    }
    if (
      ts.isForOfStatement(n) ||
      ts.isForInStatement(n) ||
      ts.isForStatement(n) ||
      ts.isWhileStatement(n) ||
      ts.isDoStatement(n)
    ) {
      const head = sf.text.slice(n.getStart(sf), n.statement.getStart(sf)).trim();
      const start = n.getStart(sf);
      return withComment({
        ...base,
        kind: "loop",
        args: [],
        head: index.location(file, start, start + head.length),
        headText: head,
        blocks: [block(`${id}:body`, "body", n.statement)],
      });
    }
    if (ts.isReturnStatement(n) || !ts.isStatement(n)) {
      const e = ts.isReturnStatement(n) ? n.expression : (n as ts.Expression);
      const inner = e ? skipParens(e) : undefined;
      if (inner && ts.isConditionalExpression(inner))
        return withComment({
          ...base,
          kind: "if",
          args: [],
          head: loc(inner.condition),
          headText: inner.condition.getText(sf),
          blocks: [block(`${id}:then`, "then", inner.whenTrue), block(`${id}:else`, "else", inner.whenFalse)],
        });
      const r = returned(e, nodes);
      return withComment({ ...base, ...(r ?? { kind: "code", args: [] }) });
    }
    if (ts.isExpressionStatement(n)) {
      const a = action(n.expression, nodes);
      if (a) return withComment({ ...base, ...a });
    }
    return withComment({ ...base, kind: "code", args: [] });
  };

  const block = (id: string, label: StepBlock["label"], n: ts.Node): StepBlock => {
    if (ts.isBlock(n)) {
      syntax.blocks.set(id, n);
      return {
        id,
        label,
        editable: true,
        location: loc(n),
        rows: n.statements.map((s, i) => row(id === "" ? `${i}` : `${id}/${i}`, s)),
      };
    }
    const child = id === "" ? "0" : `${id}/0`;
    return {
      id,
      label,
      editable: false,
      location: loc(n),
      rows: [row(child, n as ts.Statement | ts.Expression)],
    };
  };

  const steps: StepsFunction = {
    kind,
    name,
    file,
    location: loc(call),
    param,
    body: block("", "body", fn.body),
  };
  return { steps, syntax };
}

function skipParens(e: ts.Expression): ts.Expression {
  let x = e;
  while (ts.isParenthesizedExpression(x) || ts.isAsExpression(x)) x = x.expression;
  return x;
}

/** Every row of a function, depth first, in source order. */
export function allRows(steps: StepsFunction): StepRow[] {
  const out: StepRow[] = [];
  const walk = (b: StepBlock) => {
    for (const r of b.rows) {
      out.push(r);
      for (const c of r.blocks ?? []) walk(c);
    }
  };
  walk(steps.body);
  return out;
}
