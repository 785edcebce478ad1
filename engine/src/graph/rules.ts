/**
 * Validation rules: pure functions over a RegistryGraph (no I/O), shared as is by the engine's loader
 * and the language server. Each rule returns positioned problems with a stable code and a fix hint.
 */
import { alertRules } from "./alerts.js";
import { CODES, type ProblemCode } from "./codes.js";
import { castEnvValue, isEnvRef, overrideVarName, resolveEnvRef } from "./env.js";
import {
  INBOUND_OPTIONS_SCHEMA,
  isTransport,
  type JsonSchema,
  LISTENER_TRANSPORTS,
  OUTBOUND_OPTIONS_SCHEMA,
  secretSettingValues,
  TRANSPORT_SCHEMAS,
  TRANSPORTS,
} from "./schemas.js";
import { suggest } from "./suggest.js";
import type {
  EnvUse,
  GraphEdge,
  GraphNode,
  NodeKind,
  Problem,
  RegistryGraph,
  RelatedLocation,
  SettingValue,
  SourceLocation,
} from "./types.js";
import { checkSchema, exactlyOneIssues, type SchemaIssue } from "./validate-schema.js";

export interface RuleContext {
  /** Environment name → its values (environments/<env>.toml with MEFOR_VALUE_* overrides applied). */
  environments: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The environment being validated; env checks are skipped when absent. */
  selectedEnv?: string;
  /**
   * What each environments/<env>.toml itself holds, before MEFOR_VALUE_* overrides (where a secret must
   * never be). Defaults to `environments` — right for the language server, which applies no overrides.
   */
  fileValues?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Span of each top-level key in environments/<env>.toml, when the caller knows it. */
  fileKeyLocations?: Readonly<Record<string, Readonly<Record<string, SourceLocation>>>>;
  /**
   * The engine's process environment. Secret env values come only from its MEFOR_VALUE_<KEY>; without it
   * (the editor) a secret's value cannot be known and is not checked.
   */
  processEnv?: Readonly<Record<string, string | undefined>>;
}

export type Rule = (graph: RegistryGraph, ctx: RuleContext) => Problem[];

function problem(
  code: ProblemCode,
  message: string,
  location: SourceLocation,
  hint?: string,
  related?: RelatedLocation[],
): Problem {
  const p: Problem = { code, severity: CODES[code].severity, message, location };
  if (hint !== undefined) p.hint = hint;
  if (related !== undefined && related.length > 0) p.related = related;
  return p;
}

function nodesOf(graph: RegistryGraph, kind: NodeKind): GraphNode[] {
  return graph.nodes.filter((n) => n.kind === kind);
}

function namesOf(graph: RegistryGraph, kind: NodeKind): Set<string> {
  return new Set(nodesOf(graph, kind).map((n) => n.name));
}

function where(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

export const duplicateNames: Rule = (graph) => {
  const out: Problem[] = [];
  const seen = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    const key = `${node.kind}\u0000${node.name}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, node);
      continue;
    }
    out.push(
      problem(
        "MF-DUPLICATE-NAME",
        `${node.kind} "${node.name}" is declared more than once (first at ${where(first.location)})`,
        node.location,
        `Rename one of them or remove the duplicate; ${node.kind} names must be unique across TypeScript and connections.toml.`,
        [{ message: `first declaration of ${node.kind} "${node.name}"`, location: first.location }],
      ),
    );
  }
  return out;
};

function unknownTarget(
  graph: RegistryGraph,
  edgeKind: GraphEdge["kind"],
  targetKind: NodeKind,
  code: ProblemCode,
  verb: string,
): Problem[] {
  const known = namesOf(graph, targetKind);
  const out: Problem[] = [];
  for (const e of graph.edges) {
    if (e.kind !== edgeKind || e.to === null || known.has(e.to)) continue;
    const close = suggest(e.to, known);
    out.push(
      problem(
        code,
        `"${e.from}" ${verb} unknown ${targetKind} "${e.to}"`,
        e.location,
        close !== undefined ? `Did you mean "${close}"?` : `Declare ${targetKind} "${e.to}" or fix the name.`,
      ),
    );
  }
  return out;
}

export const unknownRouters: Rule = (g) =>
  unknownTarget(g, "inbound-router", "router", "MF-UNKNOWN-ROUTER", "names");
export const unknownHandlers: Rule = (g) =>
  unknownTarget(g, "router-handler", "handler", "MF-UNKNOWN-HANDLER", "returns");
export const unknownOutbounds: Rule = (g) =>
  unknownTarget(g, "handler-outbound", "outbound", "MF-UNKNOWN-OUTBOUND", "sends to");

/** Resolve a setting for the selected env when possible; `undefined` when it cannot be known. */
function staticValue(v: SettingValue | undefined, ctx: RuleContext): unknown {
  if (!isEnvRef(v)) return v;
  if (ctx.selectedEnv === undefined) return undefined;
  const r = resolveEnvRef(v, ctx.environments[ctx.selectedEnv] ?? {});
  return r.ok ? r.value : undefined;
}

export const portClashes: Rule = (graph, ctx) => {
  const out: Problem[] = [];
  const byPort = new Map<number, GraphNode>();
  for (const node of nodesOf(graph, "inbound")) {
    if (node.transport === undefined || !LISTENER_TRANSPORTS.has(node.transport)) continue;
    const port = staticValue(node.settings?.port, ctx);
    if (typeof port !== "number") continue;
    const first = byPort.get(port);
    if (first === undefined) {
      byPort.set(port, node);
      continue;
    }
    const loc = node.keyLocations?.["settings.port"] ?? node.location;
    out.push(
      problem(
        "MF-PORT-CLASH",
        `inbound "${node.name}" listens on port ${port}, already used by inbound "${first.name}"`,
        loc,
        "Give each listener its own port.",
        [
          {
            message: `inbound "${first.name}" listens on port ${port}`,
            location: first.keyLocations?.["settings.port"] ?? first.location,
          },
        ],
      ),
    );
  }
  return out;
};

/** Env keys used by a secret setting anywhere: their value is a secret, whoever else reads it. */
function secretUses(graph: RegistryGraph): Map<string, EnvUse[]> {
  const out = new Map<string, EnvUse[]>();
  for (const u of graph.envUses) {
    if (u.secret !== true) continue;
    const list = out.get(u.key);
    if (list === undefined) out.set(u.key, [u]);
    else list.push(u);
  }
  return out;
}

/** A secret env value: never from environments/*.toml, only from MEFOR_VALUE_<KEY> in the process env. */
function secretValue(use: EnvUse, env: string, processEnv: Readonly<Record<string, string | undefined>>) {
  const variable = overrideVarName(use.key);
  const raw = processEnv[variable];
  if (raw === undefined) {
    if (use.hasDefault) return undefined;
    return problem(
      "MF-ENV-MISSING",
      `secret env value "${use.key}" is not set for environment "${env}"`,
      use.location,
      `Set ${variable} in the engine's environment (secrets never go in environment files).`,
    );
  }
  const cast = castEnvValue(raw, use.cast);
  if (cast.ok) return undefined;
  return problem(
    "MF-ENV-CAST",
    `env value "${use.key}": ${cast.message} (environment "${env}")`,
    use.location,
    `Fix ${variable} in the engine's environment so it is a valid ${use.cast}.`,
  );
}

export const envValues: Rule = (graph, ctx) => {
  if (ctx.selectedEnv === undefined) return [];
  const values = ctx.environments[ctx.selectedEnv];
  if (values === undefined) {
    const first = graph.envUses[0];
    if (first === undefined) return [];
    return [
      problem(
        "MF-ENV-UNKNOWN",
        `environment "${ctx.selectedEnv}" has no environments/${ctx.selectedEnv}.toml`,
        first.location,
        `Create environments/${ctx.selectedEnv}.toml or pick one of: ${Object.keys(ctx.environments).join(", ") || "(none)"}.`,
      ),
    ];
  }
  const secrets = secretUses(graph);
  const out: Problem[] = [];
  for (const use of graph.envUses) {
    if (secrets.has(use.key)) {
      // Never looked up in environment files (a value there is MF-SECRET-IN-FILE); the editor has no
      // process env, so there a secret is not "missing" at all.
      const p = ctx.processEnv && secretValue(use, ctx.selectedEnv, ctx.processEnv);
      if (p) out.push(p);
      continue;
    }
    const r = resolveEnvRef({ env: use.key, ...(use.cast ? { cast: use.cast } : {}) }, values);
    if (r.ok) continue;
    if (r.reason === "missing" && use.hasDefault) continue;
    out.push(
      r.reason === "missing"
        ? problem(
            "MF-ENV-MISSING",
            `env value "${use.key}" is not set for environment "${ctx.selectedEnv}"`,
            use.location,
            `Add ${use.key} = ... to environments/${ctx.selectedEnv}.toml or set MEFOR_VALUE_${use.key.toUpperCase()}.`,
          )
        : problem(
            "MF-ENV-CAST",
            `${r.message} (environment "${ctx.selectedEnv}")`,
            use.location,
            `Fix ${use.key} in environments/${ctx.selectedEnv}.toml so it is a valid ${use.cast}.`,
          ),
    );
  }
  return out;
};

/** A secret's key written into any environment file (committed with the config): always an error. */
export const secretsInFiles: Rule = (graph, ctx) => {
  const secrets = secretUses(graph);
  if (secrets.size === 0) return [];
  const out: Problem[] = [];
  const files = ctx.fileValues ?? ctx.environments;
  for (const env of Object.keys(files).sort()) {
    const values = files[env] ?? {};
    for (const [key, uses] of secrets) {
      if (!Object.hasOwn(values, key)) continue;
      const at = ctx.fileKeyLocations?.[env]?.[key];
      const related = uses
        .filter((u) => u.location !== (at ?? uses[0]?.location))
        .map((u) => ({ message: `"${key}" is used by a secret setting here`, location: u.location }));
      out.push(
        problem(
          "MF-SECRET-IN-FILE",
          `secret env value "${key}" is set in environments/${env}.toml`,
          at ?? (uses[0] as EnvUse).location,
          `Remove it from environments/${env}.toml and set ${overrideVarName(key)} in the engine's environment.`,
          related,
        ),
      );
    }
  }
  return out;
};

function issueLocation(node: GraphNode, prefix: "settings" | "options", issue: SchemaIssue): SourceLocation {
  const top = issue.path.split(".")[0] ?? "";
  return node.keyLocations?.[`${prefix}.${top}`] ?? node.declaration ?? node.location;
}

export const settingsSchemas: Rule = (graph, ctx) => {
  const out: Problem[] = [];
  for (const node of graph.nodes) {
    if (node.kind !== "inbound" && node.kind !== "outbound") continue;
    const transport = node.transport ?? "";
    if (!isTransport(transport)) {
      out.push(
        problem(
          "MF-UNKNOWN-TRANSPORT",
          `${node.kind} "${node.name}" uses unknown transport "${transport}"`,
          node.keyLocations?.transport ?? node.declaration ?? node.location,
          `Use one of: ${TRANSPORTS.join(", ")}.`,
        ),
      );
      continue;
    }
    const schema = TRANSPORT_SCHEMAS[transport];
    const directions: readonly string[] = schema["x-mf-directions"];
    if (!directions.includes(node.kind)) {
      out.push(
        problem(
          "MF-SETTINGS-SCHEMA",
          `transport "${transport}" cannot be used for an ${node.kind}`,
          node.keyLocations?.transport ?? node.declaration ?? node.location,
          transport === "http"
            ? "Use rest(...) for outbound HTTP."
            : "Use rest(...)/http(...) as appropriate.",
        ),
      );
      continue;
    }
    // Env refs are judged after resolution for the selected env; without one only literals are checked.
    const settings: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node.settings ?? {})) {
      settings[k] = isEnvRef(v) && ctx.selectedEnv !== undefined ? staticValue(v, ctx) : v;
    }
    const issues = checkSchema(schema, settings, isEnvRef);
    const s = schema as JsonSchema;
    const extra = (node.kind === "outbound" ? s["x-mf-required-outbound"] : s["x-mf-required-inbound"]) ?? [];
    for (const key of extra) {
      if (node.settings?.[key] === undefined)
        issues.push({ path: key, message: `is required for an ${node.kind}` });
    }
    issues.push(...exactlyOneIssues(s, node.settings ?? {}));
    for (const issue of issues) {
      // A missing/uncastable env value is already reported by envValues; don't double-report it here.
      if (issue.path !== "" && settings[issue.path] === undefined && isEnvRef(node.settings?.[issue.path]))
        continue;
      out.push(
        problem(
          "MF-SETTINGS-SCHEMA",
          `${node.kind} "${node.name}" (${transport}): setting ${issue.path || "(settings)"} ${issue.message}`,
          issueLocation(node, "settings", issue),
          "See the transport's JSON Schema (hover in the editor) for allowed settings.",
        ),
      );
    }
    // Nested ones too: tls.passphrase, every REST header value.
    for (const { path, value } of secretSettingValues(transport, node.settings ?? {})) {
      if (value === undefined || isEnvRef(value)) continue;
      const key = path.join(".");
      const envKey = `${node.name.toLowerCase()}_${path.map((p) => p.toLowerCase().replace(/[^a-z0-9]+/g, "_")).join("_")}`;
      out.push(
        problem(
          "MF-SECRET-LITERAL",
          `${node.kind} "${node.name}": secret setting "${key}" must come from env(), not a literal`,
          node.keyLocations?.[`settings.${key}`] ??
            node.keyLocations?.[`settings.${path[0]}`] ??
            node.declaration ??
            node.location,
          `Write ${path.at(-1)}: env("${envKey}") (TOML: { env = "..." }) and set MEFOR_VALUE_... on the host.`,
        ),
      );
    }
    const optSchema = node.kind === "inbound" ? INBOUND_OPTIONS_SCHEMA : OUTBOUND_OPTIONS_SCHEMA;
    for (const issue of checkSchema(optSchema, node.options ?? {}, isEnvRef)) {
      out.push(
        problem(
          "MF-OPTIONS",
          `${node.kind} "${node.name}": option ${issue.path || "(options)"} ${issue.message}`,
          issueLocation(node, "options", issue),
          node.kind === "inbound" && issue.path === "router"
            ? 'Every inbound names its router: { router: "..." }.'
            : undefined,
        ),
      );
    }
  }
  return out;
};

export const unreachable: Rule = (graph) => {
  const out: Problem[] = [];
  const targets = new Map<NodeKind, Set<string>>([
    ["router", new Set()],
    ["handler", new Set()],
    ["outbound", new Set()],
  ]);
  const dynamicFrom = new Set<NodeKind>();
  for (const e of graph.edges) {
    const kind: NodeKind =
      e.kind === "inbound-router" ? "router" : e.kind === "router-handler" ? "handler" : "outbound";
    if (e.to === null) dynamicFrom.add(kind);
    else targets.get(kind)?.add(e.to);
  }
  // An outbound that only carries alert notices is reached by its alert.
  for (const a of graph.alerts ?? [])
    for (const n of a.notify) if (typeof n === "string") targets.get("outbound")?.add(n);
  for (const node of graph.nodes) {
    if (node.kind === "inbound") continue;
    // A computed edge of that kind might reach anything; stay quiet rather than guess.
    if (dynamicFrom.has(node.kind)) continue;
    if (targets.get(node.kind)?.has(node.name)) continue;
    const by = node.kind === "router" ? "inbound" : node.kind === "handler" ? "router" : "handler";
    out.push(
      problem(
        "MF-UNREACHABLE",
        `${node.kind} "${node.name}" is not reached by any ${by}`,
        node.location,
        `Wire it from a ${by} or delete it.`,
      ),
    );
  }
  return out;
};

export const RULES: readonly Rule[] = [
  duplicateNames,
  unknownRouters,
  unknownHandlers,
  unknownOutbounds,
  portClashes,
  envValues,
  secretsInFiles,
  settingsSchemas,
  unreachable,
  alertRules,
];

/** Run every rule; problems come back sorted by file, line, column. */
export function validateGraph(graph: RegistryGraph, ctx: RuleContext): Problem[] {
  return sortProblems(RULES.flatMap((rule) => rule(graph, ctx)));
}

export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.location.file.localeCompare(b.location.file) ||
      a.location.line - b.location.line ||
      a.location.column - b.location.column ||
      a.code.localeCompare(b.code),
  );
}
