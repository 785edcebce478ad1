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

export class Collector {
  readonly connections: ConnectionDecl[] = [];
  readonly functions: FnDecl[] = [];
  readonly envUses: EnvUseDecl[] = [];
  /** Problems found while collecting (bad arguments); positioned by the loader. */
  readonly problems: {
    message: string;
    hint?: string;
    site: Callsite | undefined;
    location?: SourceLocation;
  }[] = [];
  /** Set by the loader: the config dir (for codeSet) and how to find the current callsite. */
  constructor(
    readonly configDir: string,
    readonly locate: () => Callsite | undefined = () => undefined,
  ) {}

  declarationProblem(message: string, hint?: string): void {
    this.problems.push({ message, site: this.locate(), ...(hint ? { hint } : {}) });
  }
}
