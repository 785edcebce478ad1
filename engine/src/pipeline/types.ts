/**
 * The pipeline's narrow seams. Routers, handlers and connectors reach the queue only through these
 * function types, so the registry runner (config) and the transports plug in without the queue
 * knowing either.
 */
import type { Log } from "../log.js";

/** What a router or handler is given: one message's payload plus its identity. Never logged. */
export interface PayloadEnvelope {
  messageId: number;
  inbound: string;
  /** `hl7v2` or another content type (then the body is opaque bytes). */
  contentType: string;
  /** Raw bytes as received (router, transform). */
  body: Buffer;
  receivedAt: number;
  controlId: string | null;
  messageType: string | null;
}

export type RouteOutcome =
  | {
      handlers: string[];
      /** Handlers that `fuse` allowed and that ran here (synchronous ones), with their outcomes. */
      transformed?: ReadonlyMap<string, TransformOutcome>;
    }
  | { error: string };
/**
 * The inbound's router: which handlers see this message. An empty list means UNROUTED. `fuse` names
 * the handlers that may run in the same step (see `TransformLink`); a handler that is not synchronous
 * is left to the transform worker.
 */
export type RouteFn = (
  inbound: string,
  input: PayloadEnvelope,
  fuse?: (handler: string) => boolean,
) => Promise<RouteOutcome>;

export interface SendRequest {
  outbound: string;
  payload: Buffer;
}
export type TransformOutcome = { sends: SendRequest[] } | { error: string };
/** One handler: filter (no sends), transform, send. */
export type TransformFn = (handler: string, input: PayloadEnvelope) => Promise<TransformOutcome>;

/** Shaped to pass straight to an outbound connector's `send` (its `SendMeta`). */
export interface DeliverMeta {
  /** The store's message id, as a string (stable across retries and replays). */
  messageId: string;
  /** The outbound row being delivered. */
  rowId: number;
  /** 1 for the first attempt. */
  attempt: number;
  controlId?: string;
  handler?: string;
}

export interface DeliverOutcome {
  /** ok: delivered; retry: transient (AE, transport error, timeout); permanent: dead-letter now (AR). */
  status: "ok" | "retry" | "permanent";
  reply?: Buffer;
  /** A short reason without message content. */
  error?: string;
}
export type DeliverFn = (outbound: string, payload: Buffer, meta: DeliverMeta) => Promise<DeliverOutcome>;

/** Exponential backoff for transient delivery failures. */
export interface RetryPolicy {
  /** Total attempts including the first; `Infinity` retries forever (the head keeps blocking its lane). */
  attempts: number;
  /** Delay after the first failure. */
  baseMs: number;
  /** Growth per further failure. */
  multiplier: number;
  /** Upper bound of any one delay. */
  capMs: number;
}

/** Structured logger (pino-compatible subset). Never pass message bodies. */
export type PipelineLog = Log;
export { silentLog } from "../log.js";
