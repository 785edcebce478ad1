/**
 * Static facts from config sources (TypeScript compiler API, syntax only — nothing is executed):
 * spans of declaration names and setting values, and literal router returns / send targets.
 * The loader joins these with what actually ran to give each graph node and edge an exact span.
 */
import ts from "typescript";
import type { SourceLocation } from "../graph/index.js";
import type { DeclKind, StaticCall, StaticTarget } from "./static-call.js";

const KINDS = new Set<DeclKind>(["inbound", "outbound", "router", "handler", "env", "alert"]);

function loc(sf: ts.SourceFile, file: string, node: ts.Node): SourceLocation {
  const s = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  const e = sf.getLineAndCharacterOfPosition(node.getEnd());
  return { file, line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 };
}

function calleeName(expr: ts.Expression): string | undefined {
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return expr.name.text;
  return undefined;
}

function objectProps(
  sf: ts.SourceFile,
  file: string,
  node: ts.Node | undefined,
  prefix: string,
  into: Record<string, SourceLocation>,
): void {
  if (node === undefined || !ts.isObjectLiteralExpression(node)) return;
  for (const p of node.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
      into[`${prefix}.${p.name.text}`] = loc(sf, file, p.initializer);
    } else if (ts.isShorthandPropertyAssignment(p)) into[`${prefix}.${p.name.text}`] = loc(sf, file, p);
  }
}

/** Resolve an identifier argument to a function declared in the same file (function or const arrow). */
function findFunction(sf: ts.SourceFile, name: string): ts.FunctionLikeDeclaration | undefined {
  let found: ts.FunctionLikeDeclaration | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isFunctionDeclaration(n) && n.name?.text === name) found = n;
    else if (
      ts.isVariableDeclaration(n) &&
      ts.isIdentifier(n.name) &&
      n.name.text === name &&
      n.initializer
    ) {
      if (ts.isArrowFunction(n.initializer) || ts.isFunctionExpression(n.initializer)) found = n.initializer;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

function asFunction(
  sf: ts.SourceFile,
  arg: ts.Expression | undefined,
): ts.FunctionLikeDeclaration | undefined {
  if (arg === undefined) return undefined;
  if (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) return arg;
  if (ts.isIdentifier(arg)) return findFunction(sf, arg.text);
  return undefined;
}

/** Visit a function body without descending into nested functions. */
function walkOwn(fn: ts.FunctionLikeDeclaration, visit: (n: ts.Node) => void): void {
  const rec = (n: ts.Node): void => {
    visit(n);
    if (ts.isFunctionLike(n) && n !== fn) return;
    ts.forEachChild(n, rec);
  };
  if (fn.body) rec(fn.body);
}

function isEmpty(e: ts.Expression): boolean {
  return (
    (ts.isArrayLiteralExpression(e) && e.elements.length === 0) ||
    e.kind === ts.SyntaxKind.NullKeyword ||
    (ts.isIdentifier(e) && e.text === "undefined")
  );
}

function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e))
    e = e.expression;
  return e;
}

function routerTargets(sf: ts.SourceFile, file: string, fn: ts.FunctionLikeDeclaration): StaticTarget[] {
  const out: StaticTarget[] = [];
  const fromExpr = (raw: ts.Expression): void => {
    const e = unwrap(raw);
    if (ts.isStringLiteralLike(e)) out.push({ name: e.text, location: loc(sf, file, e) });
    else if (ts.isArrayLiteralExpression(e)) {
      for (const x of e.elements) fromExpr(x);
    } else if (ts.isConditionalExpression(e)) {
      fromExpr(e.whenTrue);
      fromExpr(e.whenFalse);
    } else if (!isEmpty(e)) out.push({ name: null, location: loc(sf, file, e) });
  };
  if (fn.body && !ts.isBlock(fn.body)) fromExpr(fn.body);
  else
    walkOwn(fn, (n) => {
      if (ts.isReturnStatement(n) && n.expression) fromExpr(n.expression);
    });
  return out;
}

function handlerTargets(sf: ts.SourceFile, file: string, fn: ts.FunctionLikeDeclaration): StaticTarget[] {
  const out: StaticTarget[] = [];
  let returnsSomething = false;
  const check = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && calleeName(n.expression) === "send") {
      const a = n.arguments[0];
      if (a && ts.isStringLiteralLike(a)) out.push({ name: a.text, location: loc(sf, file, a) });
      else if (a) out.push({ name: null, location: loc(sf, file, a) });
    }
    if (ts.isReturnStatement(n) && n.expression && !isEmpty(unwrap(n.expression))) returnsSomething = true;
  };
  // send() may sit in nested callbacks (e.g. `.map(x => send(...))`), so walk everything.
  const rec = (n: ts.Node): void => {
    check(n);
    ts.forEachChild(n, rec);
  };
  if (fn.body) rec(fn.body);
  if (fn.body && !ts.isBlock(fn.body) && !isEmpty(unwrap(fn.body))) returnsSomething = true;
  // Sends built elsewhere (a helper module): the targets are only known at run time.
  if (out.length === 0 && returnsSomething) out.push({ name: null, location: loc(sf, file, fn) });
  return out;
}

/** `when.<key>`, `notify.<i>` and `renotify` value spans of an `alert(name, { … })` literal. */
function alertKeys(
  sf: ts.SourceFile,
  file: string,
  spec: ts.Expression | undefined,
  into: Record<string, SourceLocation>,
): void {
  if (spec === undefined || !ts.isObjectLiteralExpression(spec)) return;
  for (const p of spec.properties) {
    if (!ts.isPropertyAssignment(p) || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) continue;
    const key = p.name.text;
    const v = unwrap(p.initializer);
    if (key === "when") objectProps(sf, file, v, "when", into);
    else if (key === "notify" && ts.isArrayLiteralExpression(v))
      v.elements.forEach((e, i) => {
        into[`notify.${i}`] = loc(sf, file, e);
      });
    else into[key === "notify" ? "notify.0" : key] = loc(sf, file, v);
  }
}

/** Every authoring call in one source file. */
export function extractCalls(source: string, file: string): StaticCall[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const calls: StaticCall[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      const name = calleeName(n.expression);
      if (name !== undefined && KINDS.has(name as DeclKind)) {
        const kind = name as DeclKind;
        const first = n.arguments[0];
        const c: StaticCall = { kind, call: loc(sf, file, n), keyLocations: {}, targets: [] };
        if (first) c.nameLocation = loc(sf, file, first);
        if (kind === "inbound" || kind === "outbound") {
          const conn = n.arguments[1];
          if (conn && ts.isCallExpression(conn)) {
            c.keyLocations.transport = loc(sf, file, conn.expression);
            objectProps(sf, file, conn.arguments[0], "settings", c.keyLocations);
          }
          objectProps(sf, file, n.arguments[2], "options", c.keyLocations);
        } else if (kind === "alert") alertKeys(sf, file, n.arguments[1], c.keyLocations);
        else if (kind === "router" || kind === "handler") {
          const fn = asFunction(sf, n.arguments[1]);
          if (fn) c.targets = kind === "router" ? routerTargets(sf, file, fn) : handlerTargets(sf, file, fn);
          else if (n.arguments[1]) c.targets = [{ name: null, location: loc(sf, file, n.arguments[1]) }];
        }
        calls.push(c);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return calls;
}
