/** Completion: registry names where the code expects them, env keys, HL7 paths, connections.toml keys/values. */
import {
  INBOUND_OPTIONS_SCHEMA,
  isTransport,
  type JsonSchema,
  OUTBOUND_OPTIONS_SCHEMA,
  type SourceLocation,
  TRANSPORT_SCHEMAS,
  TRANSPORTS,
} from "messagefoundry/graph";
import ts from "typescript";
import { completePath, type Hl7Dictionary, versionFor } from "./hl7Paths.js";
import { type ConfigModel, roleOf } from "./model.js";
import { LineIndex } from "./text.js";
import { keyAt } from "./tomlFacts.js";
import { scanToml } from "./tomlScan.js";
import { calleeName, isStringLike, literalContentSpan } from "./tsFacts.js";

export type CompletionKind =
  | "router"
  | "handler"
  | "outbound"
  | "inbound"
  | "env"
  | "codeset"
  | "hl7"
  | "key"
  | "value";

export interface CompletionEntry {
  label: string;
  kind: CompletionKind;
  /** Short text shown after the label (`  Family Name`). */
  description?: string;
  detail?: string;
  documentation?: string;
  /** Text to insert (defaults to label). */
  insertText?: string;
  /** Span the completion replaces. */
  replace: SourceLocation;
}

export function complete(
  model: ConfigModel,
  dict: Hl7Dictionary,
  file: string,
  offset: number,
): CompletionEntry[] {
  const role = roleOf(file);
  if (role === "module" || role === "helper") return completeTs(model, dict, file, offset);
  if (role === "connections") return completeConnections(model, file, offset);
  if (role === "environment") return completeEnvFile(model, file, offset);
  return [];
}

function innermost(sf: ts.SourceFile, offset: number): ts.Node {
  let node: ts.Node = sf;
  for (;;) {
    const next: ts.Node | undefined = node.forEachChild((c) =>
      c.getStart(sf) <= offset && offset <= c.getEnd() ? c : undefined,
    );
    if (!next) return node;
    node = next;
  }
}

function names(model: ConfigModel, kind: "router" | "handler" | "outbound" | "inbound"): string[] {
  return [...model.analysis().byName[kind].keys()].sort();
}

function completeTs(
  model: ConfigModel,
  dict: Hl7Dictionary,
  file: string,
  offset: number,
): CompletionEntry[] {
  const sf = model.ast(file);
  const text = model.text(file);
  if (!sf || text === undefined) return [];
  const index = new LineIndex(text);
  const node = innermost(sf, offset);
  const nameItems = (
    kind: "router" | "handler" | "outbound" | "inbound",
    replace: SourceLocation,
    quote: string,
  ): CompletionEntry[] =>
    names(model, kind).map((n) => {
      const decl = model.analysis().byName[kind].get(n)?.[0];
      const item: CompletionEntry = {
        label: n,
        kind,
        detail: kind,
        replace,
        insertText: `${quote}${n}${quote}`,
      };
      if (decl) item.description = `${decl.location.file}:${decl.location.line}`;
      return item;
    });

  if (isStringLike(node)) {
    const span = literalContentSpan(sf, node);
    if (offset < span.start) return [];
    const replace = index.location(file, span.start, span.end);
    const parent = node.parent;
    if (ts.isCallExpression(parent) && parent.arguments[0] === node) {
      const callee = calleeName(parent);
      const method = ts.isPropertyAccessExpression(parent.expression);
      if (callee === "send" && !method) return nameItems("outbound", replace, "");
      if (callee === "env" && !method) return envItems(model, replace, "");
      if (callee === "codeSet" && !method) return codeSetItems(model, replace, "");
      if (method && (callee === "get" || callee === "set" || callee === "getAll")) {
        const typed = text.slice(span.start, offset);
        const a = model.analysis();
        const version = versionFor(a, enclosingOwner(node));
        return completePath(dict, typed, version, a.zSegments).map((c) => ({
          label: c.label,
          kind: "hl7",
          description: c.name,
          ...(c.datatype ? { detail: c.datatype } : {}),
          replace,
        }));
      }
    }
    if (
      ts.isPropertyAssignment(parent) &&
      parent.initializer === node &&
      propText(parent.name) === "router"
    ) {
      const call = parent.parent.parent;
      if (ts.isCallExpression(call) && calleeName(call) === "inbound")
        return nameItems("router", replace, "");
    }
    if (inRouterReturn(node)) return nameItems("handler", replace, "");
    const slot = alertSlot(node);
    if (slot === "connection")
      return [...nameItems("inbound", replace, ""), ...nameItems("outbound", replace, "")];
    if (slot === "notify") return nameItems("outbound", replace, "");
    return [];
  }
  // Before any quote: `send(|`, `router: |`, `return [|` — insert the quoted name.
  const before = text.slice(index.lineStart(index.position(offset).line), offset);
  const here = index.location(file, offset, offset);
  if (/\bsend\(\s*$/.test(before)) return nameItems("outbound", here, '"');
  if (/\brouter:\s*$/.test(before)) return nameItems("router", here, '"');
  if (/\benv\(\s*$/.test(before)) return envItems(model, here, '"');
  if (/\bcodeSet\(\s*$/.test(before)) return codeSetItems(model, here, '"');
  if (/[[,]\s*$/.test(before) && inRouterReturn(node)) return nameItems("handler", here, '"');
  if (inAlertCall(node)) {
    if (/\bconnection:\s*$/.test(before))
      return [...nameItems("inbound", here, '"'), ...nameItems("outbound", here, '"')];
    if (/\bnotify:\s*\[?\s*$/.test(before) || (/[[,]\s*$/.test(before) && alertSlot(node) === "notify"))
      return nameItems("outbound", here, '"');
  }
  return [];
}

/** The call `alert(…)` that `node` sits in (its spec argument), if any. */
function inAlertCall(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (ts.isCallExpression(n))
      return calleeName(n) === "alert" && !ts.isPropertyAccessExpression(n.expression);
    if (ts.isFunctionLike(n)) return false;
  }
  return false;
}

/**
 * Which name an alert expects at `node`: `when: { connection: "…" }` takes an inbound or outbound,
 * `notify: "…"` / `notify: ["…", …]` take outbounds.
 */
function alertSlot(node: ts.Node): "connection" | "notify" | undefined {
  if (!inAlertCall(node)) return undefined;
  let n: ts.Node = node;
  // A string in the notify list, or the cursor between its elements (then the array is innermost).
  if (ts.isArrayLiteralExpression(n.parent)) n = n.parent;
  const prop = n.parent;
  if (!prop || !ts.isPropertyAssignment(prop) || prop.initializer !== n) return undefined;
  const key = propText(prop.name);
  if (key === "notify") return "notify";
  if (key !== "connection") return undefined;
  const whenProp = prop.parent.parent;
  return ts.isPropertyAssignment(whenProp) && propText(whenProp.name) === "when" ? "connection" : undefined;
}

function propText(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/** True when `node` is (inside) what a router's function returns. */
function inRouterReturn(node: ts.Node): boolean {
  let n: ts.Node | undefined = node;
  let sawReturn = false;
  while (n) {
    if (ts.isReturnStatement(n)) sawReturn = true;
    if (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) {
      const call = n.parent;
      const concise = ts.isArrowFunction(n) && !ts.isBlock(n.body);
      return (
        (sawReturn || concise) &&
        ts.isCallExpression(call) &&
        calleeName(call) === "router" &&
        call.arguments[1] === n
      );
    }
    if (ts.isFunctionDeclaration(n)) return false;
    n = n.parent;
  }
  return false;
}

function enclosingOwner(node: ts.Node): string | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent)
    if (ts.isCallExpression(n)) {
      const c = calleeName(n);
      const first = n.arguments[0];
      if ((c === "handler" || c === "router") && isStringLike(first)) return first.text;
    }
  return undefined;
}

function codeSetItems(model: ConfigModel, replace: SourceLocation, quote: string): CompletionEntry[] {
  return [...model.analysis().codeSets.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => ({
      label: c.name,
      kind: "codeset",
      detail: "code set",
      description: `${c.file} · ${c.size} code${c.size === 1 ? "" : "s"}${c.default !== undefined ? ` · default ${c.default}` : ""}`,
      insertText: `${quote}${c.name}${quote}`,
      replace,
    }));
}

function envItems(model: ConfigModel, replace: SourceLocation, quote: string): CompletionEntry[] {
  const a = model.analysis();
  const keys = new Set<string>();
  for (const f of a.envFiles) for (const k of f.keys.keys()) keys.add(k);
  return [...keys].sort().map((k) => ({
    label: k,
    kind: "env",
    detail: "env key",
    description: a.envFiles
      .filter((f) => f.keys.has(k))
      .map((f) => f.env)
      .join(", "),
    insertText: `${quote}${k}${quote}`,
    replace,
  }));
}

function schemaItems(schema: JsonSchema, replace: SourceLocation, skip: Set<string>): CompletionEntry[] {
  return Object.entries(schema.properties ?? {})
    .filter(([k]) => !skip.has(k))
    .map(([k, s]) => {
      const item: CompletionEntry = { label: k, kind: "key", detail: s.type ?? "value", replace };
      if (s.description) item.documentation = s.description;
      if (schema.required?.includes(k)) item.description = "required";
      return item;
    });
}

/** Completion in connections.toml: entry keys, settings keys per transport, and values. */
function completeConnections(model: ConfigModel, file: string, offset: number): CompletionEntry[] {
  const text = model.text(file) ?? "";
  const index = new LineIndex(text);
  const scan = scanToml(text);
  const lineStart = index.lineStart(index.position(offset).line);
  const before = text.slice(lineStart, offset);
  const table = [...scan.tables].reverse().find((t) => t.start <= offset && t.headerEnd <= lineStart);
  const path = table?.path ?? [];
  const kind = path[0] === "inbound" || path[0] === "outbound" ? path[0] : undefined;
  if (!kind) return [];
  const base = path.slice(0, 2);
  const transportKey = keyAt(scan, [...base, "transport"]);
  const transport = transportKey ? text.slice(transportKey.valueStart, transportKey.valueEnd) : undefined;
  const settingsSchema: JsonSchema | undefined =
    transport && isTransport(transport) ? TRANSPORT_SCHEMAS[transport] : undefined;
  const inSettings = path[2] === "settings";
  const present = new Set(
    scan.keys
      .filter((k) => k.path.length === path.length + 1 && k.path.slice(0, -1).join(".") === path.join("."))
      .map((k) => k.path.at(-1) as string),
  );

  const value = /^\s*([A-Za-z0-9_-]+)\s*=\s*("?)([^"]*)$/.exec(before);
  const inlineKey = /[{,]\s*([A-Za-z0-9_-]*)$/.exec(before);
  const envValue = /\benv\s*=\s*"([^"]*)$/.exec(before);
  if (envValue) return envItems(model, index.location(file, offset - (envValue[1]?.length ?? 0), offset), "");
  if (inlineKey && /\bsettings\s*=\s*\{/.test(before) && settingsSchema) {
    const typed = inlineKey[1] ?? "";
    return schemaItems(settingsSchema, index.location(file, offset - typed.length, offset), new Set());
  }
  if (value) {
    const key = value[1] as string;
    const quoted = value[2] === '"';
    const typed = value[3] ?? "";
    const replace = index.location(file, offset - typed.length, offset);
    const q = quoted ? "" : '"';
    const values = (labels: string[], k: CompletionEntry["kind"]): CompletionEntry[] =>
      labels.map((label) => ({ label, kind: k, insertText: `${q}${label}${q}`, replace }));
    if (!inSettings && key === "transport")
      return values(
        TRANSPORTS.filter((t) =>
          (TRANSPORT_SCHEMAS[t]["x-mf-directions"] as readonly string[]).includes(kind),
        ),
        "value",
      );
    if (!inSettings && key === "router" && kind === "inbound")
      return values(names(model, "router"), "router");
    const schema = inSettings
      ? settingsSchema
      : kind === "inbound"
        ? INBOUND_OPTIONS_SCHEMA
        : OUTBOUND_OPTIONS_SCHEMA;
    const prop = schema?.properties?.[key];
    if (prop?.enum) return values(prop.enum.map(String), "value");
    if (prop?.type === "boolean")
      return ["true", "false"].map((label) => ({ label, kind: "value", replace }));
    return [];
  }
  const keyTyped = /^\s*([A-Za-z0-9_-]*)$/.exec(before);
  if (!keyTyped) return [];
  const replace = index.location(file, offset - (keyTyped[1]?.length ?? 0), offset);
  if (inSettings) return settingsSchema ? schemaItems(settingsSchema, replace, present) : [];
  if (path.length !== 2) return [];
  const entry: JsonSchema = {
    properties: {
      name: { type: "string", description: "Connection name" },
      transport: { type: "string", description: "Connector type" },
      settings: { type: "object", description: "Transport settings" },
      ...(kind === "inbound" ? INBOUND_OPTIONS_SCHEMA : OUTBOUND_OPTIONS_SCHEMA).properties,
    },
    required: kind === "inbound" ? ["name", "transport", "router"] : ["name", "transport"],
  };
  return schemaItems(entry, replace, present);
}

/** In environments/<env>.toml: keys the config uses that this file does not define yet. */
function completeEnvFile(model: ConfigModel, file: string, offset: number): CompletionEntry[] {
  const text = model.text(file) ?? "";
  const index = new LineIndex(text);
  const before = text.slice(index.lineStart(index.position(offset).line), offset);
  const m = /^\s*([A-Za-z0-9_-]*)$/.exec(before);
  if (!m) return [];
  const a = model.analysis();
  const own = a.envFiles.find((f) => f.file === file);
  const used = new Set(a.graph.envUses.map((u) => u.key));
  const replace = index.location(file, offset - (m[1]?.length ?? 0), offset);
  return [...used]
    .filter((k) => !own?.keys.has(k))
    .sort()
    .map((k) => ({ label: k, kind: "env", detail: "used by the config", replace }));
}
