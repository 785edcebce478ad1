/**
 * Minimal text edits to a config module, found with the TypeScript compiler API (as the language server
 * reads the config): a handler name added to a router's returned list, names added to the
 * `messagefoundry` import, a connection declaration copied under a new name. Each edit touches only the
 * characters it must, so the user's formatting and comments stay. Pure: unit-tested in plain Node.
 */
// The import editor alone (not the whole analysis core): the wizards bundle only what they use.
import { addImports, type OffsetEdit } from "@messagefoundry/language-server/imports";
import ts from "typescript";

export { addImports };

/** Replace `[start, end)` of the text (offsets in UTF-16 code units) with `text`. */
export type TextEdit = OffsetEdit;

/** The edits applied to a text (they must not overlap); what the editor will show. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  }
  return out;
}

function sourceOf(text: string): ts.SourceFile {
  return ts.createSourceFile("module.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** Every call `callee("name", …)` at any depth, e.g. `router("acme_adt_router", (msg) => …)`. */
function findCalls(sf: ts.SourceFile, callees: readonly string[], name: string): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      callees.includes(node.expression.text)
    ) {
      const first = node.arguments[0];
      if (first && ts.isStringLiteralLike(first) && first.text === name) out.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The expressions a function returns: an arrow's expression body, or each `return x` not in a nested function. */
function returnedExpressions(fn: ts.Expression): ts.Expression[] {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return [];
  if (!ts.isBlock(fn.body)) return [fn.body];
  const out: ts.Expression[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node)) return;
    if (ts.isReturnStatement(node) && node.expression) out.push(node.expression);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(fn.body, visit);
  return out;
}

/** The value-producing leaves of a returned expression: both arms of `?:`, through parentheses and `as`. */
function leaves(e: ts.Expression): ts.Expression[] {
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e))
    return leaves(e.expression);
  if (ts.isConditionalExpression(e)) return [...leaves(e.whenTrue), ...leaves(e.whenFalse)];
  return [e];
}

/** Where a router's handler names live in its module, or why the wizard cannot extend it by itself. */
export type RouterReturnEdit = { edits: TextEdit[] } | { error: string };

/**
 * Adds `handler` to every non-empty list of handler names the router returns (`["a"]` → `["a", "h"]`,
 * `"a"` → `["a", "h"]`). An empty list means "not routed" and stays empty; a list that already names the
 * handler is left alone. Refuses (with the reason) when the router returns names it computes.
 */
export function addHandlerToRouter(text: string, routerName: string, handler: string): RouterReturnEdit {
  const sf = sourceOf(text);
  const call = findCalls(sf, ["router"], routerName)[0];
  const fn = call?.arguments[1];
  if (!call || !fn) return { error: `No router("${routerName}", …) call was found in this module.` };
  const lit = JSON.stringify(handler);
  const edits: TextEdit[] = [];
  let already = false;
  let computed = false;
  for (const e of returnedExpressions(fn).flatMap(leaves)) {
    if (ts.isArrayLiteralExpression(e)) {
      if (e.elements.length === 0) continue;
      if (e.elements.some((x) => ts.isStringLiteralLike(x) && x.text === handler)) {
        already = true;
        continue;
      }
      const last = e.elements[e.elements.length - 1]!;
      edits.push({ start: last.end, end: last.end, text: `, ${lit}` });
    } else if (ts.isStringLiteralLike(e)) {
      if (e.text === handler) {
        already = true;
        continue;
      }
      const start = e.getStart(sf);
      edits.push({ start, end: start, text: "[" }, { start: e.end, end: e.end, text: `, ${lit}]` });
    } else if (!(ts.isIdentifier(e) && e.text === "undefined") && e.kind !== ts.SyntaxKind.NullKeyword) {
      computed = true;
    }
  }
  if (edits.length > 0) return { edits };
  if (already) return { error: `Router ${routerName} already routes to ${handler}.` };
  return {
    error: computed
      ? `Router ${routerName} computes the handler names it returns; add "${handler}" to its code by hand.`
      : `Router ${routerName} returns no handler names to add "${handler}" beside; add it to its code by hand.`,
  };
}

/** The declaring statement of `inbound("NAME", …)` / `outbound("NAME", …)`, with its span. */
export function findConnectionStatement(
  text: string,
  name: string,
):
  | {
      start: number;
      end: number;
      nameLiteral: ts.StringLiteralLike;
      sf: ts.SourceFile;
      call: ts.CallExpression;
    }
  | undefined {
  const sf = sourceOf(text);
  const call = findCalls(sf, ["inbound", "outbound"], name)[0];
  if (!call) return undefined;
  let stmt: ts.Node = call;
  while (stmt.parent && !ts.isSourceFile(stmt.parent)) stmt = stmt.parent;
  return {
    start: stmt.getStart(sf),
    end: stmt.end,
    nameLiteral: call.arguments[0] as ts.StringLiteralLike,
    sf,
    call,
  };
}

/** The literal `port: 2601` inside a connection call's transport settings, if written as a number. */
export function literalPortOf(call: ts.CallExpression): ts.NumericLiteral | undefined {
  let found: ts.NumericLiteral | undefined;
  const visit = (node: ts.Node) => {
    if (found) return;
    if (
      ts.isPropertyAssignment(node) &&
      (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) &&
      node.name.text === "port" &&
      ts.isNumericLiteral(node.initializer)
    ) {
      found = node.initializer;
      return;
    }
    ts.forEachChild(node, visit);
  };
  const transport = call.arguments[1];
  if (transport) visit(transport);
  return found;
}

/** Where the cursor is: inside the block body of a router or handler (named), or at a module's top level. */
export type CursorPlace =
  | { place: "handler" | "router"; name: string }
  | { place: "module" }
  | { place: "expression"; kind: "handler" | "router"; name: string }
  | { place: "other" };

/**
 * What a recipe may be inserted at `offset`: statements in a router's or handler's `{ … }` body, a
 * declaration at the top level, nothing inside an arrow's expression body or in other code.
 */
export function placeAt(text: string, offset: number): CursorPlace {
  const sf = sourceOf(text);
  let found: CursorPlace | undefined;
  const visit = (node: ts.Node) => {
    if (found || offset < node.getFullStart() || offset > node.end) return;
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      (node.expression.text === "handler" || node.expression.text === "router")
    ) {
      const kind = node.expression.text;
      const [first, fn] = node.arguments;
      const name = first && ts.isStringLiteralLike(first) ? first.text : "";
      if (fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) {
        // A block from just inside its braces; an expression body from its first character.
        const start = fn.body.getStart(sf);
        const block = ts.isBlock(fn.body);
        if (block ? offset > start && offset < fn.body.end : offset >= start && offset <= fn.body.end) {
          found = block ? { place: kind, name } : { place: "expression", kind, name };
          return;
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);
  if (found) return found;
  // Top level: between statements, not inside one.
  const inside = sf.statements.some((s) => offset > s.getStart(sf) && offset < s.end);
  return inside ? { place: "other" } : { place: "module" };
}
