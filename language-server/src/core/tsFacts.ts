/**
 * Static extraction of the registry graph from one TypeScript config module. Reads the syntax tree
 * only — config code is never executed. Names must be string literals to be checked statically;
 * anything else becomes a dynamic edge, checked by the engine at run time.
 */
import {
  type EnvCast,
  type EnvUse,
  type GraphEdge,
  isSecretSetting,
  type NodeKind,
  type SettingValue,
  type SourceLocation,
} from "messagefoundry/graph";
import ts from "typescript";
import { emptyFacts, type FileFacts, HL7_PATH_RE } from "./facts.js";
import { LineIndex } from "./text.js";

const DECLARERS = new Set<string>(["inbound", "outbound", "router", "handler"]);

export function parseModule(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

export function isStringLike(
  node: ts.Node | undefined,
): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral {
  return !!node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node));
}

/** The span of a string literal's content, without its quotes (what a rename replaces). */
export function literalContentSpan(sf: ts.SourceFile, node: ts.Node): { start: number; end: number } {
  const start = node.getStart(sf);
  const end = node.getEnd();
  const raw = sf.text.slice(start, end);
  const quote = raw[0];
  const closed = raw.length > 1 && raw[raw.length - 1] === quote;
  return { start: start + 1, end: closed ? end - 1 : end };
}

/** The callee name of `inbound(...)`, `mf.inbound(...)`, `msg.get(...)`. */
export function calleeName(call: ts.CallExpression): string | undefined {
  const e = call.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

function isMethodCall(call: ts.CallExpression): boolean {
  return ts.isPropertyAccessExpression(call.expression);
}

const CASTS: Record<string, EnvCast> = { Number: "float", String: "string", Boolean: "bool", JSON: "json" };

export function extractModule(
  file: string,
  text: string,
  sf: ts.SourceFile = parseModule(file, text),
): FileFacts {
  const facts = emptyFacts();
  const index = new LineIndex(text);
  const loc = (n: ts.Node): SourceLocation => index.location(file, n.getStart(sf), n.getEnd());
  const litLoc = (n: ts.Node): SourceLocation => {
    const s = literalContentSpan(sf, n);
    return index.location(file, s.start, s.end);
  };

  const envRef = (call: ts.CallExpression): SettingValue | undefined => {
    const key = call.arguments[0];
    if (!isStringLike(key)) return undefined;
    const ref: SettingValue = { env: key.text };
    const cast = castOf(call.arguments[1]);
    if (cast) ref.cast = cast;
    return ref;
  };

  /** Evaluates a settings literal; non-literal parts are left out (the engine checks them at run time). */
  const value = (n: ts.Expression): SettingValue | undefined => {
    if (isStringLike(n)) return n.text;
    if (ts.isNumericLiteral(n)) return Number(n.text);
    if (
      ts.isPrefixUnaryExpression(n) &&
      n.operator === ts.SyntaxKind.MinusToken &&
      ts.isNumericLiteral(n.operand)
    )
      return -Number(n.operand.text);
    if (n.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (n.kind === ts.SyntaxKind.FalseKeyword) return false;
    if (n.kind === ts.SyntaxKind.NullKeyword) return null;
    if (ts.isArrayLiteralExpression(n)) {
      const out: SettingValue[] = [];
      for (const el of n.elements) {
        const v = value(el);
        if (v !== undefined) out.push(v);
      }
      return out;
    }
    if (ts.isObjectLiteralExpression(n)) return object(n);
    if (ts.isCallExpression(n) && calleeName(n) === "env" && !isMethodCall(n)) return envRef(n);
    if (ts.isAsExpression(n) || ts.isParenthesizedExpression(n) || ts.isSatisfiesExpression(n))
      return value(n.expression);
    return undefined;
  };
  const object = (n: ts.ObjectLiteralExpression): Record<string, SettingValue> => {
    const out: Record<string, SettingValue> = {};
    for (const p of n.properties) {
      if (!ts.isPropertyAssignment(p)) continue;
      const key = propName(p.name);
      const v = key === undefined ? undefined : value(p.initializer);
      if (key !== undefined && v !== undefined) out[key] = v;
    }
    return out;
  };

  /** env() calls written directly in a secret setting (`x-mf-secret`) of a connection literal. */
  const secretEnvCalls = new Set<ts.Node>();
  const markSecrets = (transport: string, obj: ts.ObjectLiteralExpression, path: string[]) => {
    for (const p of obj.properties) {
      if (!ts.isPropertyAssignment(p)) continue;
      const key = propName(p.name);
      if (key === undefined) continue;
      let v: ts.Expression = p.initializer;
      while (ts.isAsExpression(v) || ts.isParenthesizedExpression(v) || ts.isSatisfiesExpression(v))
        v = v.expression;
      if (ts.isObjectLiteralExpression(v)) markSecrets(transport, v, [...path, key]);
      else if (ts.isCallExpression(v) && calleeName(v) === "env" && !isMethodCall(v)) {
        if (isSecretSetting(transport, [...path, key])) secretEnvCalls.add(v);
      }
    }
  };

  const addEdge = (kind: GraphEdge["kind"], from: string, target: ts.Expression) => {
    if (isStringLike(target))
      facts.edges.push({
        kind,
        from,
        to: target.text,
        dynamic: false,
        location: litLoc(target),
        origin: "ts",
      });
    else facts.edges.push({ kind, from, to: null, dynamic: true, location: loc(target), origin: "ts" });
  };

  const declare = (kind: NodeKind, call: ts.CallExpression) => {
    const nameArg = call.arguments[0];
    if (!isStringLike(nameArg)) return undefined;
    const name = nameArg.text;
    const node: FileFacts["nodes"][number] = {
      kind,
      name,
      origin: "ts",
      location: litLoc(nameArg),
      declaration: loc(call),
    };
    facts.nodes.push(node);
    if (kind === "inbound" || kind === "outbound") {
      const keyLocations: Record<string, SourceLocation> = {};
      const conn = call.arguments[1];
      if (conn && ts.isCallExpression(conn)) {
        const transport = calleeName(conn);
        if (transport) node.transport = transport;
        keyLocations.transport = loc(conn.expression);
        const settingsArg = conn.arguments[0];
        if (settingsArg && ts.isObjectLiteralExpression(settingsArg)) {
          node.settings = object(settingsArg);
          keyAt(settingsArg, "settings", keyLocations);
          if (transport) markSecrets(transport, settingsArg, []);
        }
      }
      const opts = call.arguments[2];
      if (opts && ts.isObjectLiteralExpression(opts)) {
        node.options = object(opts);
        keyAt(opts, "options", keyLocations);
        const routerProp = findProp(opts, "router");
        if (kind === "inbound" && routerProp) addEdge("inbound-router", name, routerProp.initializer);
      }
      node.keyLocations = keyLocations;
    }
    return name;
  };

  /** Records the span of each property value as `settings.<key>` / `options.<key>`. */
  const keyAt = (obj: ts.ObjectLiteralExpression, prefix: string, out: Record<string, SourceLocation>) => {
    for (const p of obj.properties) {
      if (!ts.isPropertyAssignment(p)) continue;
      const key = propName(p.name);
      if (key !== undefined) out[`${prefix}.${key}`] = loc(p.initializer);
    }
  };

  const routerReturns = (from: string, expr: ts.Expression) => {
    if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr))
      return routerReturns(from, expr.expression);
    if (ts.isConditionalExpression(expr)) {
      routerReturns(from, expr.whenTrue);
      routerReturns(from, expr.whenFalse);
      return;
    }
    if (ts.isArrayLiteralExpression(expr)) {
      for (const el of expr.elements) addEdge("router-handler", from, el);
      return;
    }
    addEdge("router-handler", from, expr);
  };

  const walkRouterBody = (from: string, fn: ts.Node) => {
    if (ts.isArrowFunction(fn) && !ts.isBlock(fn.body)) return routerReturns(from, fn.body);
    const visit = (n: ts.Node) => {
      if (n !== fn && ts.isFunctionLike(n)) return; // returns of nested functions are not the router's
      if (ts.isReturnStatement(n) && n.expression) routerReturns(from, n.expression);
      ts.forEachChild(n, visit);
    };
    visit(fn);
  };

  /** `alert("name", { when: {…}, notify: […], renotify })`: values as written, with the span of each. */
  const declareAlert = (call: ts.CallExpression) => {
    const nameArg = call.arguments[0];
    const spec = call.arguments[1];
    if (!isStringLike(nameArg) || !spec || !ts.isObjectLiteralExpression(spec)) return;
    const keyLocations: Record<string, SourceLocation> = {};
    const alert: FileFacts["alerts"][number] = {
      name: nameArg.text,
      origin: "ts",
      location: litLoc(nameArg),
      declaration: loc(call),
      when: {},
      notify: [],
      keyLocations,
    };
    const ref = (slot: "connection" | "notify", e: ts.Expression) => {
      if (isStringLike(e)) facts.alertRefs.push({ name: e.text, slot, location: litLoc(e) });
    };
    const when = findProp(spec, "when")?.initializer;
    if (when && ts.isObjectLiteralExpression(when)) {
      alert.when = object(when);
      keyAt(when, "when", keyLocations);
      const conn = findProp(when, "connection")?.initializer;
      if (conn) ref("connection", conn);
    }
    const notify = findProp(spec, "notify")?.initializer;
    if (notify && ts.isArrayLiteralExpression(notify)) {
      notify.elements.forEach((e, i) => {
        const v = value(e);
        if (v !== undefined) alert.notify.push(v);
        keyLocations[`notify.${i}`] = loc(e);
        ref("notify", e);
      });
    } else if (notify) {
      const v = value(notify);
      if (v !== undefined) alert.notify.push(v);
      keyLocations["notify.0"] = loc(notify);
      ref("notify", notify);
    }
    const renotify = findProp(spec, "renotify")?.initializer;
    if (renotify) {
      const v = value(renotify);
      if (v !== undefined) alert.renotify = v;
      keyLocations.renotify = loc(renotify);
    }
    facts.alerts.push(alert);
  };

  const owners: string[] = [];
  const visit = (n: ts.Node) => {
    let pushed = false;
    if (ts.isCallExpression(n)) {
      const name = calleeName(n);
      const method = isMethodCall(n);
      if (name && !method && DECLARERS.has(name)) {
        const declared = declare(name as NodeKind, n);
        if (declared && (name === "router" || name === "handler")) {
          owners.push(`${name}:${declared}`);
          pushed = true;
          const fn = n.arguments[1];
          if (name === "router" && fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)))
            walkRouterBody(declared, fn);
        }
      } else if (name === "alert" && !method) {
        declareAlert(n);
      } else if (name === "send" && !method) {
        const owner = owners.at(-1);
        const target = n.arguments[0];
        if (owner?.startsWith("handler:") && target) addEdge("handler-outbound", owner.slice(8), target);
      } else if (name === "env" && !method) {
        const key = n.arguments[0];
        if (isStringLike(key)) {
          const use: EnvUse = { key: key.text, hasDefault: n.arguments.length >= 3, location: litLoc(key) };
          const cast = castOf(n.arguments[1]);
          if (cast) use.cast = cast;
          if (secretEnvCalls.has(n)) use.secret = true;
          facts.envUses.push(use);
        }
      } else if (name === "codeSet" && !method) {
        const arg = n.arguments[0];
        if (isStringLike(arg)) facts.codeSetUses.push({ name: arg.text, location: litLoc(arg) });
      } else if (method && (name === "get" || name === "set" || name === "getAll")) {
        const arg = n.arguments[0];
        if (isStringLike(arg) && HL7_PATH_RE.test(arg.text)) {
          const owner = owners.at(-1);
          facts.hl7Paths.push({
            path: arg.text,
            location: litLoc(arg),
            ...(owner ? { owner: owner.slice(owner.indexOf(":") + 1) } : {}),
          });
        }
      } else if (method && name === "addSegment") {
        const arg = n.arguments[0];
        if (isStringLike(arg)) facts.zSegments.push(arg.text);
      }
    }
    ts.forEachChild(n, visit);
    if (pushed) owners.pop();
  };
  visit(sf);
  return facts;
}

function castOf(arg: ts.Expression | undefined): EnvCast | undefined {
  if (arg && ts.isIdentifier(arg)) return CASTS[arg.text];
  if (isStringLike(arg)) return arg.text as EnvCast;
  return undefined;
}

export function propName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

export function findProp(obj: ts.ObjectLiteralExpression, key: string): ts.PropertyAssignment | undefined {
  for (const p of obj.properties) if (ts.isPropertyAssignment(p) && propName(p.name) === key) return p;
  return undefined;
}
