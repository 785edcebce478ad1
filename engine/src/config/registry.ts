/**
 * The runtime Registry: what the pipeline and `serve` consume — resolved connections, options with
 * defaults applied, router/handler functions, and the graph they came from.
 */
import type { Origin, RegistryGraph, SourceLocation } from "../graph/index.js";
import type { TransportName } from "../graph/schemas.js";
import type { Callsite } from "./collector.js";
import type { AckMode, AnyMessage, ContentType, HandlerFn, RetryPolicy, RouterFn } from "./types.js";

export interface InboundDef {
  name: string;
  transport: TransportName;
  /** Settings with env() values resolved for the loaded environment. */
  settings: Readonly<Record<string, unknown>>;
  options: {
    router: string;
    contentType: ContentType;
    ack: AckMode;
    strict: boolean;
    hl7Version?: string;
    /** How long intake holds a payload while the store is unavailable (default: the engine's, 30 s). */
    storeWaitMs?: number;
    /** HL7 fields indexed for identifier search (blind index). */
    identifiers?: string[];
    duplicates?: { windowMinutes: number; action: "ack" | "reject" };
    description?: string;
  };
  origin: Origin;
  location: SourceLocation;
}

export interface OutboundDef {
  name: string;
  transport: TransportName;
  settings: Readonly<Record<string, unknown>>;
  options: {
    retry: RetryPolicy;
    ordering: "fifo" | "unordered";
    contentType: ContentType;
    description?: string;
  };
  origin: Origin;
  location: SourceLocation;
}

export interface RouterDef {
  name: string;
  fn: RouterFn<AnyMessage>;
  location: SourceLocation;
}

export interface HandlerDef {
  name: string;
  fn: HandlerFn<AnyMessage>;
  location: SourceLocation;
}

export interface Registry {
  /** Absolute config dir. */
  readonly configDir: string;
  /** Environment the settings were resolved for (undefined: none selected; env refs left unresolved). */
  readonly env: string | undefined;
  readonly inbounds: ReadonlyMap<string, InboundDef>;
  readonly outbounds: ReadonlyMap<string, OutboundDef>;
  readonly routers: ReadonlyMap<string, RouterDef>;
  readonly handlers: ReadonlyMap<string, HandlerDef>;
  readonly graph: RegistryGraph;
  /** The config-code frame on the current stack, mapped to its source (for `dryrun --trace`). */
  readonly locate?: () => Callsite | undefined;
}

/**
 * Transient failures retry forever by default: the head keeps blocking its lane, so a short outage
 * never dead-letters an A01 and then delivers its A08 (FIFO). Dead letters come from permanent
 * failures (AR) or an explicit `attempts` limit. The delivery worker uses this same policy.
 */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: Number.POSITIVE_INFINITY,
  baseMs: 1000,
  multiplier: 2,
  capMs: 60_000,
};
