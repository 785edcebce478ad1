/**
 * The per-load collecting registry: every declaration a config module makes lands here, with the place
 * it was made. One Collector per load, so nothing leaks between loads (or between tests).
 */
import type { EnvCast, Origin, SettingValue, SourceLocation } from "../graph/index.js";
import type { HandlerFn, RouterFn } from "./types.js";

/** Where a declaration call happened (1-based; file relative to the config dir). */
export interface Callsite {
  file: string;
  line: number;
  column: number;
}

interface DeclBase {
  name: string;
  origin: Origin;
  site: Callsite | undefined;
}

export interface ConnectionDecl extends DeclBase {
  kind: "inbound" | "outbound";
  transport: string;
  settings: Record<string, SettingValue>;
  options: Record<string, SettingValue>;
}

export interface FnDecl extends DeclBase {
  kind: "router" | "handler";
  // biome-ignore lint/suspicious/noExplicitAny: routers/handlers are declared per message kind; the runner passes the right one
  fn: RouterFn<any> | HandlerFn<any>;
}

export interface EnvUseDecl {
  key: string;
  cast?: EnvCast;
  hasDefault: boolean;
  site: Callsite | undefined;
  /** The reference env() returned, so a connection can recognise it in its settings. */
  ref: object;
  /** Set when a connection put `ref` in a secret setting (`x-mf-secret`). */
  secret?: boolean;
}

/** An `alert(...)` declaration: the rule as written (graph/alerts.ts parses and checks it). */
export interface AlertDecl {
  name: string;
  site: Callsite | undefined;
  when: Record<string, SettingValue>;
  notify: SettingValue[];
  renotify?: SettingValue;
}

/** A problem found while collecting (bad arguments); positioned by the loader. */
export interface DeclarationProblem {
  message: string;
  hint?: string;
  site: Callsite | undefined;
  location?: SourceLocation;
}

/**
 * What a load declared, without the functions: all the loader needs to build the graph. A Collector
 * is one; the sandbox child sends one back as JSON (`declarationsOf`).
 */
export interface Declarations {
  readonly connections: readonly ConnectionDecl[];
  readonly functions: readonly Omit<FnDecl, "fn">[];
  readonly envUses: readonly Omit<EnvUseDecl, "ref">[];
  readonly problems: readonly DeclarationProblem[];
  /** Optional so answers and fixtures from before alerts stay valid. */
  readonly alerts?: readonly AlertDecl[];
}

/** A plain-data copy of a Collector's declarations (no functions, no env-ref identities). */
export function declarationsOf(c: Collector): Declarations {
  return {
    connections: c.connections,
    functions: c.functions.map(({ fn: _fn, ...rest }) => rest),
    envUses: c.envUses.map(({ ref: _ref, ...rest }) => rest),
    problems: c.problems,
    alerts: c.alerts,
  };
}

export class Collector implements Declarations {
  readonly connections: ConnectionDecl[] = [];
  readonly functions: FnDecl[] = [];
  readonly envUses: EnvUseDecl[] = [];
  readonly problems: DeclarationProblem[] = [];
  readonly alerts: AlertDecl[] = [];
  /** Set by the loader: the config dir (for codeSet) and how to find the current callsite. */
  constructor(
    readonly configDir: string,
    readonly locate: () => Callsite | undefined = () => undefined,
  ) {}

  declarationProblem(message: string, hint?: string): void {
    this.problems.push({ message, site: this.locate(), ...(hint ? { hint } : {}) });
  }
}
