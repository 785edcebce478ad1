/**
 * The registry graph: the one JSON shape shared by the engine's loader, `messagefoundry graph --json`,
 * the language server's `messagefoundry/graph` request and the extension's graph view.
 * Pure data; no I/O. Lines and columns are 1-based; `endColumn` is exclusive.
 */

export type NodeKind = "inbound" | "outbound" | "router" | "handler";

/** Where a node or edge was declared: a TypeScript module or connections.toml. */
export type Origin = "ts" | "toml";

export interface SourceLocation {
  /** Path relative to the config dir, with forward slashes (e.g. `routes/acme.ts`). */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** A value that comes from the environment: `env("key")` in TypeScript, `{ env = "key" }` in TOML. */
export interface EnvRef {
  env: string;
  cast?: EnvCast;
  default?: string | number | boolean;
}

export type EnvCast = "string" | "int" | "float" | "bool" | "json";

/** A connection setting as declared: a literal or an env reference (resolved per environment). */
export type SettingValue =
  | string
  | number
  | boolean
  | null
  | EnvRef
  | SettingValue[]
  | { [key: string]: SettingValue };

export interface GraphNode {
  kind: NodeKind;
  name: string;
  origin: Origin;
  /** The span of the name literal (what a rename or a diagnostic points at). */
  location: SourceLocation;
  /** The whole declaration, e.g. the `inbound(...)` call or the `[[inbound]]` table. */
  declaration?: SourceLocation;
  /** Connection nodes only: the connector type (`mllp`, `tcp`, `file`, `http`, `rest`, `loopback`). */
  transport?: string;
  /** Connection nodes only: transport settings as declared (env refs unresolved). */
  settings?: Record<string, SettingValue>;
  /** Connection nodes only: per-connection options (inbound: contentType, ack, strict...; outbound: retry...). */
  options?: Record<string, SettingValue>;
  /**
   * Optional (added for precise diagnostics): span of each declared key's value, keyed `settings.<key>`
   * or `options.<key>` (e.g. `settings.port`), so schema problems point at the offending value.
   */
  keyLocations?: Record<string, SourceLocation>;
}

export type EdgeKind = "inbound-router" | "router-handler" | "handler-outbound";

export interface GraphEdge {
  kind: EdgeKind;
  /** Name of the source node (kind implied by the edge kind). */
  from: string;
  /** Name of the target node; `null` when the target is computed at run time. */
  to: string | null;
  /** True when the target is not a literal (computed at run time); such edges are checked at run time. */
  dynamic: boolean;
  /** The span of the target name literal (or of the expression when dynamic). */
  location: SourceLocation;
  origin: Origin;
}

/** Every `env("key")` / `{ env = "key" }` use, so the rules can check it against environment files. */
export interface EnvUse {
  key: string;
  cast?: EnvCast;
  hasDefault: boolean;
  location: SourceLocation;
  /**
   * Optional: the ref sits in a secret setting (`x-mf-secret`, e.g. http `token`, tls `passphrase`).
   * Its value comes only from MEFOR_VALUE_<KEY> in the engine's environment, never from environments/*.toml.
   */
  secret?: boolean;
}

/** One `alert(...)` declaration as the graph carries it (values as written; checked by `alertRules`). */
export interface GraphAlert {
  name: string;
  origin: Origin;
  /** The span of the name literal. */
  location: SourceLocation;
  declaration?: SourceLocation;
  when: Record<string, SettingValue>;
  /** Outbound names to notify (the engine log always gets every notice). */
  notify: SettingValue[];
  /** How long an alert that stays active waits before it is sent again (a duration; default 1h). */
  renotify?: SettingValue;
  /** Spans of values: `when.<key>`, `notify.<i>`, `renotify`. */
  keyLocations?: Record<string, SourceLocation>;
}

export interface RegistryGraph {
  /** Schema version of this JSON shape. */
  version: 1;
  nodes: GraphNode[];
  edges: GraphEdge[];
  envUses: EnvUse[];
  /** Optional: `alert(...)` declarations (checked by graph/alerts.ts); absent when the config declares none. */
  alerts?: GraphAlert[];
}

export type Severity = "error" | "warning" | "info";

export interface RelatedLocation {
  message: string;
  location: SourceLocation;
}

/** One problem found in a config: what, where, a stable code and what to do. */
export interface Problem {
  /** Stable code, e.g. `MF-UNKNOWN-ROUTER` (see codes.ts). */
  code: string;
  severity: Severity;
  message: string;
  /** What to do about it. */
  hint?: string;
  location: SourceLocation;
  related?: RelatedLocation[];
}
