/**
 * The loader: config dir → Registry + RegistryGraph + problems. Bundles the entry modules with esbuild
 * (CJS, in memory), runs the bundle with `messagefoundry` bound to this load's Collector, then joins
 * what ran with static facts (extract.ts) and connections.toml to place every node and edge exactly.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import * as esbuild from "esbuild";
import {
  type EnvUse,
  type GraphAlert,
  type GraphEdge,
  type GraphNode,
  isEnvRef,
  isTransport,
  type Problem,
  type RegistryGraph,
  resolveEnvRef,
  type SettingValue,
  type SourceLocation,
  sortProblems,
  validateGraph,
} from "../graph/index.js";
import { codeSetProblems } from "./codesets.js";
import { type Callsite, Collector, type ConnectionDecl, type Declarations } from "./collector.js";
import { applyOverrides, loadEnvironments } from "./environments.js";
import { type ConfigBundle, executeBundle, makeLocator, thrownProblem } from "./execute.js";
import { pointLocation } from "./locations.js";
import {
  DEFAULT_RETRY,
  type HandlerDef,
  type InboundDef,
  type OutboundDef,
  type Registry,
  type RouterDef,
} from "./registry.js";
import { findCall, type StaticCall } from "./static-call.js";
import { type StaticFactsIn, staticCalls } from "./static-facts.js";
import { CONNECTIONS_FILE, readConnectionsToml, type TomlConnection } from "./toml.js";
import type { AckMode, ContentType, RetryPolicy } from "./types.js";

export interface LoadOptions {
  /** Environment whose values resolve env(); without it env refs stay unresolved and env checks are skipped. */
  env?: string;
  /** Where MEFOR_VALUE_* overrides come from (default process.env). */
  processEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * Where the static facts (exact spans) are extracted: "process" (default) loads the TypeScript
   * compiler here; "thread" keeps it out of this process (the engine's choice: it runs for months).
   */
  staticFacts?: StaticFactsIn;
}

export interface LoadResult {
  registry: Registry;
  graph: RegistryGraph;
  /** Every problem, sorted by position. `hasErrors` is true when any has severity error. */
  problems: Problem[];
  hasErrors: boolean;
  /** Environment values used (after overrides), for tools that show them. */
  environments: Record<string, Record<string, unknown>>;
}

const SKIP_DIRS = new Set(["node_modules", "tests", "environments", "codesets", "dist"]);

/** Entry modules: `*.ts` at any depth, except `_`-prefixed files/dirs, dot dirs, tests/, node_modules. */
export function findEntryModules(configDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const ent of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (ent.name.startsWith("_") || ent.name.startsWith(".")) continue;
      const full = join(dir, ent.name);
      if (ent.isDirectory()) {
        if (!SKIP_DIRS.has(ent.name)) walk(full);
      } else if (ent.name.endsWith(".ts") && !ent.name.endsWith(".d.ts")) out.push(full);
    }
  };
  walk(configDir);
  return out;
}

function relPath(configDir: string, abs: string): string {
  return relative(configDir, abs).split(sep).join("/");
}

let loadSeq = 0;

/**
 * Bundles a config dir's entry modules with esbuild (CJS, in memory). esbuild only reads and
 * transforms: nothing of the config runs here. Syntax and import errors become problems.
 */
export async function bundleConfig(
  configDir: string,
  problems: Problem[],
): Promise<ConfigBundle | undefined> {
  const entries = findEntryModules(configDir);
  if (entries.length === 0) return undefined;
  const stdin = entries.map((e) => `import ${JSON.stringify(`./${relPath(configDir, e)}`)};`).join("\n");
  try {
    const result = await esbuild.build({
      stdin: {
        contents: stdin,
        resolveDir: configDir,
        sourcefile: "__messagefoundry_entry__.ts",
        loader: "ts",
      },
      absWorkingDir: configDir,
      outfile: join(configDir, "__messagefoundry_bundle__.js"),
      bundle: true,
      write: false,
      format: "cjs",
      platform: "node",
      target: "node20",
      sourcemap: "external",
      packages: "external",
      logLevel: "silent",
    });
    const js = result.outputFiles.find((f) => f.path.endsWith(".js"));
    const mapFile = result.outputFiles.find((f) => f.path.endsWith(".map"));
    const mapJson = mapFile ? (JSON.parse(mapFile.text) as { sources: string[] }) : undefined;
    return {
      code: js?.text ?? "",
      map: mapFile?.text,
      filename: `messagefoundry-config-${++loadSeq}.cjs`,
      sources: (mapJson?.sources ?? []).filter((s) => !s.includes("__messagefoundry_entry__")),
    };
  } catch (e) {
    const failure = e as esbuild.BuildFailure;
    for (const err of failure.errors ?? []) {
      const l = err.location;
      problems.push({
        code: "MF-LOAD-BUNDLE",
        severity: "error",
        message: err.text,
        hint: "Fix the syntax or import error; `messagefoundry check` type-checks the config too.",
        location: l
          ? {
              file: l.file,
              line: l.line,
              column: l.column + 1,
              endLine: l.line,
              endColumn: l.column + 1 + Math.max(1, l.length),
            }
          : pointLocation("", 1, 1),
      });
    }
    if (!failure.errors) throw e;
    return undefined;
  }
}

function siteLoc(site: Callsite | undefined): SourceLocation {
  return site ? pointLocation(site.file, site.line, site.column) : pointLocation("", 1, 1);
}

function staticFor(
  calls: ReadonlyMap<string, StaticCall[]>,
  kind: StaticCall["kind"],
  site: Callsite | undefined,
): StaticCall | undefined {
  if (!site) return undefined;
  return findCall(calls.get(site.file) ?? [], kind, site.line, site.column);
}

function connectionNode(d: ConnectionDecl, st: StaticCall | undefined): GraphNode {
  const location = st?.nameLocation ?? siteLoc(d.site);
  const node: GraphNode = {
    kind: d.kind,
    name: d.name,
    origin: "ts",
    location,
    declaration: st?.call ?? location,
    transport: d.transport,
    settings: d.settings,
    options: d.options,
  };
  if (st && Object.keys(st.keyLocations).length > 0) node.keyLocations = st.keyLocations;
  return node;
}

function tomlNode(t: TomlConnection): GraphNode {
  return {
    kind: t.kind,
    name: t.name,
    origin: "toml",
    location: t.location,
    declaration: t.declaration,
    transport: t.transport,
    settings: t.settings,
    options: t.options,
    keyLocations: t.keyLocations,
  };
}

function resolveValue(v: SettingValue, values: Readonly<Record<string, unknown>> | undefined): unknown {
  if (isEnvRef(v)) {
    if (values === undefined) return v;
    const r = resolveEnvRef(v, values);
    return r.ok ? r.value : undefined;
  }
  if (Array.isArray(v)) return v.map((x) => resolveValue(x, values));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = resolveValue(x, values);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return v;
}

/** Load a config dir. Never throws for config mistakes: they come back as problems. */
export async function loadConfig(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const configDir = existingDir(dir);
  const problems: Problem[] = [];
  const b = await bundleConfig(configDir, problems);
  const collector = new Collector(configDir, b ? makeLocator(b) : undefined);
  const thrown = b ? executeBundle(configDir, b, collector) : undefined;
  if (thrown) problems.push(thrownProblem(thrown));
  const calls = await staticCalls(configDir, b?.sources ?? [], opts.staticFacts);
  const a = assembleLoad(configDir, opts, collector, calls, problems);
  const registry = buildRegistry(configDir, opts.env, a.graph, a.values, collector, a.fnLocs);
  return {
    registry,
    graph: a.graph,
    problems: a.problems,
    hasErrors: a.hasErrors,
    environments: a.environments,
  };
}

/** The absolute path of a config dir; throws when it does not exist (the one load failure that is not a problem). */
export function existingDir(dir: string): string {
  const configDir = resolve(dir);
  if (!existsSync(configDir)) throw new Error(`config dir not found: ${dir}`);
  return configDir;
}

/** What a load knows once the config code has run (or not): everything but the runnable registry. */
export interface Assembled {
  graph: RegistryGraph;
  problems: Problem[];
  hasErrors: boolean;
  environments: Record<string, Record<string, unknown>>;
  /** The selected environment's values, when one is selected. */
  values: Readonly<Record<string, unknown>> | undefined;
  fnLocs: Map<string, SourceLocation>;
}

/**
 * Joins what the config declared (run here or in the sandbox) with the static facts of every source
 * that ran (`staticCalls`), connections.toml and environments into the graph and its sorted problems.
 * Reads the config dir; runs none of it.
 */
export function assembleLoad(
  configDir: string,
  opts: LoadOptions,
  collector: Declarations,
  calls: ReadonlyMap<string, StaticCall[]>,
  problems: Problem[],
): Assembled {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const envUses: EnvUse[] = [];
  const fnLocs = new Map<string, SourceLocation>();

  for (const p of collector.problems) {
    problems.push({
      code: "MF-DECLARATION",
      severity: "error",
      message: p.message,
      location: siteLoc(p.site),
      ...(p.hint ? { hint: p.hint } : {}),
    });
  }
  for (const d of collector.connections) {
    const st = staticFor(calls, d.kind, d.site);
    const node = connectionNode(d, st);
    nodes.push(node);
    if (d.kind === "inbound") {
      const router = d.options.router;
      if (typeof router === "string") {
        edges.push({
          kind: "inbound-router",
          from: d.name,
          to: router,
          dynamic: false,
          location: st?.keyLocations["options.router"] ?? node.location,
          origin: "ts",
        });
      }
    }
  }
  for (const d of collector.functions) {
    const st = staticFor(calls, d.kind, d.site);
    const location = st?.nameLocation ?? siteLoc(d.site);
    fnLocs.set(`${d.kind}:${d.name}`, location);
    nodes.push({ kind: d.kind, name: d.name, origin: "ts", location, declaration: st?.call ?? location });
    const edgeKind = d.kind === "router" ? "router-handler" : "handler-outbound";
    const targets = st ? st.targets : [{ name: null, location }];
    for (const t of targets) {
      edges.push({
        kind: edgeKind,
        from: d.name,
        to: t.name,
        dynamic: t.name === null,
        location: t.location,
        origin: "ts",
      });
    }
  }
  for (const u of collector.envUses) {
    const st = staticFor(calls, "env", u.site);
    envUses.push({
      key: u.key,
      hasDefault: u.hasDefault,
      location: st?.nameLocation ?? siteLoc(u.site),
      ...(u.cast ? { cast: u.cast } : {}),
      ...(u.secret ? { secret: true } : {}),
    });
  }

  const alerts: GraphAlert[] = (collector.alerts ?? []).map((d) => {
    const st = staticFor(calls, "alert", d.site);
    const location = st?.nameLocation ?? siteLoc(d.site);
    return {
      name: d.name,
      origin: "ts",
      location,
      declaration: st?.call ?? location,
      when: d.when,
      notify: d.notify,
      ...(d.renotify !== undefined ? { renotify: d.renotify } : {}),
      ...(st && Object.keys(st.keyLocations).length > 0 ? { keyLocations: st.keyLocations } : {}),
    };
  });

  // connections.toml: same nodes, origin "toml".
  const tomlPath = join(configDir, CONNECTIONS_FILE);
  const toml = existsSync(tomlPath)
    ? readConnectionsToml(readFileSync(tomlPath, "utf8"))
    : { connections: [], problems: [] };
  problems.push(...toml.problems);
  for (const t of toml.connections) {
    nodes.push(tomlNode(t));
    if (t.router) {
      edges.push({
        kind: "inbound-router",
        from: t.name,
        to: t.router.name,
        dynamic: false,
        location: t.router.location,
        origin: "toml",
      });
    }
    envUses.push(
      ...t.envUses.map((u) => ({
        key: u.key,
        hasDefault: u.hasDefault,
        location: u.location,
        ...(u.cast ? { cast: u.cast } : {}),
        ...(u.secret ? { secret: true } : {}),
      })),
    );
  }

  const graph: RegistryGraph = {
    version: 1,
    nodes,
    edges,
    envUses,
    ...(alerts.length > 0 ? { alerts } : {}),
  };
  const envs = loadEnvironments(configDir);
  problems.push(...envs.problems);
  problems.push(...codeSetProblems(configDir));
  const environments = { ...envs.values };
  const processEnv = opts.processEnv ?? process.env;
  if (opts.env !== undefined && environments[opts.env] !== undefined) {
    // A secret never resolves from a file (MF-SECRET-IN-FILE reports one there): only MEFOR_VALUE_*.
    const secrets = new Set(envUses.filter((u) => u.secret).map((u) => u.key));
    const fromFile = Object.fromEntries(
      Object.entries(environments[opts.env] ?? {}).filter(([k]) => !secrets.has(k)),
    );
    environments[opts.env] = applyOverrides(
      fromFile,
      envUses.map((u) => u.key),
      processEnv,
    );
  }
  problems.push(
    ...validateGraph(graph, {
      environments,
      fileValues: envs.values,
      fileKeyLocations: envs.keyLocations,
      processEnv,
      ...(opts.env !== undefined ? { selectedEnv: opts.env } : {}),
    }),
  );

  const values = opts.env !== undefined ? environments[opts.env] : undefined;
  const sorted = sortProblems(problems);
  return {
    graph,
    problems: sorted,
    hasErrors: sorted.some((p) => p.severity === "error"),
    environments,
    values,
    fnLocs,
  };
}

/** The inbound's `duplicates` option (already checked against its schema), normalized. */
function duplicatesOf(v: unknown): { duplicates?: { windowMinutes: number; action: "ack" | "reject" } } {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return {};
  const d = v as Record<string, unknown>;
  if (typeof d.windowMinutes !== "number") return {};
  return { duplicates: { windowMinutes: d.windowMinutes, action: d.action === "reject" ? "reject" : "ack" } };
}

function retryOf(v: SettingValue | undefined): RetryPolicy {
  const r = (v !== null && typeof v === "object" && !Array.isArray(v) ? v : {}) as Record<string, unknown>;
  const num = (k: keyof RetryPolicy) => (typeof r[k] === "number" ? (r[k] as number) : DEFAULT_RETRY[k]);
  return {
    attempts: num("attempts"),
    baseMs: num("baseMs"),
    multiplier: num("multiplier"),
    capMs: num("capMs"),
  };
}

function buildRegistry(
  configDir: string,
  env: string | undefined,
  graph: RegistryGraph,
  values: Readonly<Record<string, unknown>> | undefined,
  collector: Collector,
  fnLocs: Map<string, SourceLocation>,
): Registry {
  const inbounds = new Map<string, InboundDef>();
  const outbounds = new Map<string, OutboundDef>();
  const routers = new Map<string, RouterDef>();
  const handlers = new Map<string, HandlerDef>();
  // First declaration wins; duplicates are reported as MF-DUPLICATE-NAME.
  for (const n of graph.nodes) {
    if ((n.kind !== "inbound" && n.kind !== "outbound") || !isTransport(n.transport ?? "")) continue;
    const settings = resolveValue(n.settings ?? {}, values) as Record<string, unknown>;
    const o = resolveValue(n.options ?? {}, values) as Record<string, unknown>;
    const base = {
      name: n.name,
      transport: n.transport as InboundDef["transport"],
      settings,
      origin: n.origin,
      location: n.location,
    };
    const str = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
    if (n.kind === "inbound" && !inbounds.has(n.name)) {
      inbounds.set(n.name, {
        ...base,
        options: {
          router: str("router") ?? "",
          contentType: (str("contentType") ?? defaultContentType(n.transport)) as ContentType,
          ack: (str("ack") ?? "original") as AckMode,
          strict: o.strict === true,
          ...(str("hl7Version") ? { hl7Version: str("hl7Version") as string } : {}),
          ...(typeof o.storeWaitMs === "number" ? { storeWaitMs: o.storeWaitMs } : {}),
          ...(Array.isArray(o.identifiers)
            ? { identifiers: o.identifiers.filter((x): x is string => typeof x === "string") }
            : {}),
          ...duplicatesOf(o.duplicates),
          ...(str("description") ? { description: str("description") as string } : {}),
        },
      });
    } else if (n.kind === "outbound" && !outbounds.has(n.name)) {
      outbounds.set(n.name, {
        ...base,
        options: {
          retry: retryOf(n.options?.retry),
          ordering: str("ordering") === "unordered" ? "unordered" : "fifo",
          contentType: (str("contentType") ?? defaultContentType(n.transport)) as ContentType,
          ...(str("description") ? { description: str("description") as string } : {}),
        },
      });
    }
  }
  for (const f of collector.functions) {
    const location = fnLocs.get(`${f.kind}:${f.name}`) ?? pointLocation("", 1, 1);
    if (f.kind === "router" && !routers.has(f.name))
      routers.set(f.name, { name: f.name, fn: f.fn as RouterDef["fn"], location });
    if (f.kind === "handler" && !handlers.has(f.name))
      handlers.set(f.name, { name: f.name, fn: f.fn as HandlerDef["fn"], location });
  }
  return { configDir, env, inbounds, outbounds, routers, handlers, graph, locate: collector.locate };
}

/**
 * DICOM connectors carry DICOM files and X12 connections interchanges, not HL7: their routers get a
 * RawMessage (contentType `dicom` / `x12`) unless told otherwise.
 */
function defaultContentType(transport: string | undefined): ContentType {
  if (transport === "dicom" || transport === "dicomweb") return "dicom";
  return transport === "x12" ? "x12" : "hl7v2";
}
